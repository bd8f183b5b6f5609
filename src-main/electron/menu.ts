/** The application menu: File / Edit / View / Help, sending commands to the renderer; labels in the UI's language. */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand, MenuLabels } from '../../src-shared/shell';

export function menuTemplate(send: (c: MenuCommand, arg?: string) => void, recent: string[], isMac: boolean, L: MenuLabels): MenuItemConstructorOptions[] {
  return [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: L.file,
      submenu: [
        { label: L.newProject, accelerator: 'CmdOrCtrl+N', click: () => send('project:new') },
        { label: L.openProject, accelerator: 'CmdOrCtrl+O', click: () => send('project:open') },
        {
          label: L.openRecent,
          submenu: recent.length ? recent.map((p) => ({ label: p, click: () => send('project:open', p) })) : [{ label: L.noRecent, enabled: false }],
        },
        { type: 'separator' },
        { label: L.addImagery, accelerator: 'CmdOrCtrl+I', click: () => send('scene:add-imagery') },
        { label: L.addDem, accelerator: 'CmdOrCtrl+D', click: () => send('scene:add-dem') },
        { type: 'separator' },
        { label: L.importInventory, click: () => send('import') },
        { label: L.export, accelerator: 'CmdOrCtrl+E', click: () => send('export') },
        { label: L.fieldPackage, click: () => send('field:package') },
        { label: L.fieldMerge, click: () => send('field:merge') },
        { type: 'separator' },
        isMac ? { role: 'close', label: L.close } : { role: 'quit', label: L.quit },
      ],
    },
    {
      label: L.edit,
      submenu: [
        { label: L.undo, accelerator: 'CmdOrCtrl+Z', click: () => send('edit:undo') },
        { label: L.redo, accelerator: 'CmdOrCtrl+Shift+Z', click: () => send('edit:redo') },
        { type: 'separator' },
        { role: 'cut', label: L.cut },
        { role: 'copy', label: L.copy },
        { role: 'paste', label: L.paste },
      ],
    },
    {
      label: L.view,
      submenu: [{ label: L.layers, accelerator: 'CmdOrCtrl+L', click: () => send('view:layers') }, { type: 'separator' }, { role: 'togglefullscreen', label: L.fullscreen }, { role: 'resetZoom', label: L.resetZoom }, { role: 'zoomIn', label: L.zoomIn }, { role: 'zoomOut', label: L.zoomOut }],
    },
    {
      label: L.help,
      submenu: [
        { label: L.models, click: () => send('help:models') },
        { label: L.about, click: () => send('help:about') },
      ],
    },
  ];
}
