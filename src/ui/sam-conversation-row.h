/* sam-conversation-row.h — one conversation in the sidebar: title, when, pinned.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "store/sam-conversation.h"

G_BEGIN_DECLS

#define SAM_TYPE_CONVERSATION_ROW (sam_conversation_row_get_type ())

G_DECLARE_FINAL_TYPE (SamConversationRow, sam_conversation_row, SAM, CONVERSATION_ROW, GtkWidget)

GtkWidget       *sam_conversation_row_new (void);
SamConversation *sam_conversation_row_get_conversation (SamConversationRow *self);
void
sam_conversation_row_set_conversation (SamConversationRow *self, SamConversation *conversation);
char *sam_format_relative_time (gint64 unix_time);

G_END_DECLS
