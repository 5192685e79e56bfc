/** The only Admin API version that has the databaseUsers resource; every call uses it. */
export const ATLAS_API_VERSION = '2023-01-01';
export const ATLAS_MEDIA_TYPE = `application/vnd.atlas.${ATLAS_API_VERSION}+json`;
