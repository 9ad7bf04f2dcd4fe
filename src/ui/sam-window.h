/* sam-window.h — the main window: conversation list and conversation area.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "sam-application.h"
#include "sam-chat-view.h"

G_BEGIN_DECLS

#define SAM_TYPE_WINDOW (sam_window_get_type ())

G_DECLARE_FINAL_TYPE (SamWindow, sam_window, SAM, WINDOW, AdwApplicationWindow)

SamWindow *sam_window_new (SamApplication *application);
void       sam_window_add_toast (SamWindow *self, AdwToast *toast);

gboolean     sam_window_select_conversation (SamWindow *self, gint64 conversation_id);
SamChatView *sam_window_get_chat_view (SamWindow *self);

G_END_DECLS
