/** The application menu: File / Edit / View / Help, sending commands to the renderer. */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../src-shared/shell';

export function menuTemplate(send: (c: MenuCommand, arg?: string) => void, recent: string[], isMac: boolean): MenuItemConstructorOptions[] {
  return [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        { label: 'New Project…', accelerator: 'CmdOrCtrl+N', click: () => send('project:new') },
        { label: 'Open Project…', accelerator: 'CmdOrCtrl+O', click: () => send('project:open') },
        {
          label: 'Open Recent',
          submenu: recent.length ? recent.map((p) => ({ label: p, click: () => send('project:open', p) })) : [{ label: 'No recent projects', enabled: false }],
        },
        { type: 'separator' },
        { label: 'Add Imagery…', accelerator: 'CmdOrCtrl+I', click: () => send('scene:add-imagery') },
        { label: 'Add DEM…', accelerator: 'CmdOrCtrl+D', click: () => send('scene:add-dem') },
        { type: 'separator' },
        { label: 'Import Inventory…', click: () => send('import') },
        { label: 'Export…', accelerator: 'CmdOrCtrl+E', click: () => send('export') },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      label: '&Edit',
      submenu: [
        { label: 'Undo', accelerator: 'CmdOrCtrl+Z', click: () => send('edit:undo') },
        { label: 'Redo', accelerator: 'CmdOrCtrl+Shift+Z', click: () => send('edit:redo') },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
      ],
    },
    {
      label: '&View',
      submenu: [{ label: 'Layers', accelerator: 'CmdOrCtrl+L', click: () => send('view:layers') }, { type: 'separator' }, { role: 'togglefullscreen' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }],
    },
    {
      label: '&Help',
      submenu: [
        { label: 'Models…', click: () => send('help:models') },
        { label: 'About Scarp', click: () => send('help:about') },
      ],
    },
  ];
}
