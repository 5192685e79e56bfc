declare const __DYNSECRET_VERSION__: string | undefined;

/** Injected by the bundler from package.json; "dev" when running from source (tests). */
export const VERSION: string = typeof __DYNSECRET_VERSION__ === 'string' ? __DYNSECRET_VERSION__ : '0.0.0-dev';
