/* sam-quick-reply-window.h — the small window that asks Samantha without opening the app.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "sam-application.h"

G_BEGIN_DECLS

#define SAM_TYPE_QUICK_REPLY_WINDOW (sam_quick_reply_window_get_type ())

G_DECLARE_FINAL_TYPE (
    SamQuickReplyWindow, sam_quick_reply_window, SAM, QUICK_REPLY_WINDOW, AdwWindow)

SamQuickReplyWindow *sam_quick_reply_window_new (SamApplication *application);
const char          *sam_quick_reply_window_get_conversation_id (SamQuickReplyWindow *self);
void
sam_quick_reply_window_set_conversation_id (SamQuickReplyWindow *self, const char *conversation_id);
void    sam_quick_reply_window_set_subtitle (SamQuickReplyWindow *self, const char *subtitle);
GtkBox *sam_quick_reply_window_get_chat_area (SamQuickReplyWindow *self);
void sam_quick_reply_window_set_conversation_widget (SamQuickReplyWindow *self, GtkWidget *widget);
GtkEntry *sam_quick_reply_window_get_entry (SamQuickReplyWindow *self);

G_END_DECLS
