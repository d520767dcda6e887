// The API key lives in this tab's sessionStorage only: closing the tab or signing out forgets it.
const STORAGE_KEY = "batch-labels.api-key";

export const savedKey = (): string | null => sessionStorage.getItem(STORAGE_KEY);
export const saveKey = (key: string) => sessionStorage.setItem(STORAGE_KEY, key);
export const forgetKey = () => sessionStorage.removeItem(STORAGE_KEY);
