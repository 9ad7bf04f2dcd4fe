/* sam-background.h — running in the background and at login: the portal or an autostart file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

gboolean sam_background_is_sandboxed (void);
char    *sam_background_get_autostart_path (void);
void     sam_background_request_async (GtkWindow          *parent,
                                       gboolean            autostart,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data);
gboolean sam_background_request_finish (GAsyncResult *result, GError **error);

G_END_DECLS
