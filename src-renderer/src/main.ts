import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { i18n, onLanguage, MESSAGES } from './i18n';
import { shell } from './api/client';
import './fonts';
import './styles.css';

createApp(App).use(createPinia()).use(i18n).mount('#app');
// The Electron menu in the UI's language, rebuilt on every change.
if (shell) onLanguage((lang) => void shell!.setMenuLabels({ ...MESSAGES[lang].menu }));
