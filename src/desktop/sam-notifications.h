/* sam-notifications.h — notifications for replies that finish while Samantha is not in focus.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean sam_notifications_reply_completed (GApplication *application,
                                            const char   *conversation_id,
                                            const char   *title,
                                            const char   *reply_text);
void     sam_notifications_withdraw (GApplication *application, const char *conversation_id);
char    *sam_notifications_preview (const char *text, gsize max_chars);

G_END_DECLS
