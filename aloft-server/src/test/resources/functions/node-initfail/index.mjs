// Fails while loading: the platform must report the init error and not retry forever.
throw new Error('config missing: DATABASE_URL');

export const handler = async () => ({ unreachable: true });
