export const nowIso = (): string => new Date().toISOString();
export const addMs = (iso: string, ms: number): string => new Date(Date.parse(iso) + ms).toISOString();
export const DAY_MS = 24 * 60 * 60 * 1000;
