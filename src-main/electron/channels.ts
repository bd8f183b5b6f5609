/** IPC channel names shared by the main process and the preload (no other channels exist). */
export const API_CHANNEL_PREFIX = 'scarp:api:';
export const PROGRESS_CHANNEL = 'scarp:progress';
export const CANCEL_CHANNEL = 'scarp:cancel';
export const SHELL_CHANNEL_PREFIX = 'scarp:shell:';
export const MENU_CHANNEL = 'scarp:menu';
/** The origin the app is served from (custom protocol; never file://). */
export const APP_ORIGIN = 'scarp://app';
export const apiChannel = (method: string): string => `${API_CHANNEL_PREFIX}${method}`;
export const shellChannel = (method: string): string => `${SHELL_CHANNEL_PREFIX}${method}`;
