/**
 * Fonts for the UI's languages that a system may lack, bundled (offline): Noto Sans SC (Simplified
 * Chinese) and Noto Sans Devanagari (Nepali), variable weight, SIL Open Font License 1.1. Their
 * @font-face rules split the glyphs by unicode-range, so only what is on screen is loaded. Used by
 * the font stack `--scarp-font` (styles.css), which the naive-ui theme takes too (App.vue).
 */
import '@fontsource-variable/noto-sans-sc';
import '@fontsource-variable/noto-sans-devanagari';
