/** A config name: 1–64 letters, digits, `.`, `_`, `-` (SPEC, "A config"). Never needs quoting in a shell. */
export const CONFIG_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** Whether `name` is a valid config name. No imports: the store's reader checks every name it opens. */
export const isConfigName = (name: unknown): boolean => typeof name === 'string' && CONFIG_NAME.test(name);
