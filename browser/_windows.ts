/** The open windows by id; shared by `app` and `BrowserWindow` without an import cycle. */
export const openWindows: Map<number, { destroy(): void }> = new Map();
