// The admin capability's public face: everything other modules may use of it.
export { banAthlete, isAdmin, listAthletes, recentAdminActions, recordAdminAction, unbanAthlete } from './athletes.js';
export { type AdminImportProgress, importProgress, loadAdminPanels, type PanelServices, registerAdminPanel, withServices } from './panels.js';
