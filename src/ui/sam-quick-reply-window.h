/* sam-quick-reply-window.h — the small window that asks Samantha without opening the app.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "sam-application.h"
#include "store/sam-conversation.h"

G_BEGIN_DECLS

#define SAM_TYPE_QUICK_REPLY_WINDOW (sam_quick_reply_window_get_type ())

G_DECLARE_FINAL_TYPE (
    SamQuickReplyWindow, sam_quick_reply_window, SAM, QUICK_REPLY_WINDOW, AdwWindow)

SamQuickReplyWindow *sam_quick_reply_window_new (SamApplication *application);
SamConversation     *sam_quick_reply_window_get_conversation (SamQuickReplyWindow *self);
void
sam_quick_reply_window_set_conversation (SamQuickReplyWindow *self, SamConversation *conversation);
const char *sam_quick_reply_window_get_conversation_id (SamQuickReplyWindow *self);
GtkWidget  *sam_quick_reply_window_get_conversation_widget (SamQuickReplyWindow *self);
void sam_quick_reply_window_set_conversation_widget (SamQuickReplyWindow *self, GtkWidget *widget);
void sam_quick_reply_window_show_error (SamQuickReplyWindow *self, const char *message);

G_END_DECLS
