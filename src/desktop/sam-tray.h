/* sam-tray.h — the tray icon: a StatusNotifierItem with a com.canonical.dbusmenu menu.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SAM_TRAY_ITEM_PATH "/StatusNotifierItem"
#define SAM_TRAY_MENU_PATH "/MenuBar"

#define SAM_TYPE_TRAY (sam_tray_get_type ())

G_DECLARE_FINAL_TYPE (SamTray, sam_tray, SAM, TRAY, GObject)

SamTray    *sam_tray_new (GDBusConnection *connection, GActionGroup *actions, GError **error);
gboolean    sam_tray_get_available (SamTray *self);
const char *sam_tray_get_status (SamTray *self);
const char *sam_tray_get_activation_token (SamTray *self);
gboolean    sam_tray_get_visible (SamTray *self);
void        sam_tray_set_visible (SamTray *self, gboolean visible);
void        sam_tray_set_needs_attention (SamTray *self, gboolean needs_attention);
void        sam_tray_set_icon_pixmaps (SamTray *self, GVariant *pixmaps);

G_END_DECLS
