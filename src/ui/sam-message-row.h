/* sam-message-row.h — one message of a conversation, as the conversation view shows it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "store/sam-message.h"

G_BEGIN_DECLS

#define SAM_TYPE_MESSAGE_ROW (sam_message_row_get_type ())

G_DECLARE_FINAL_TYPE (SamMessageRow, sam_message_row, SAM, MESSAGE_ROW, GtkWidget)

GtkWidget  *sam_message_row_new (void);
SamMessage *sam_message_row_get_message (SamMessageRow *self);
void        sam_message_row_set_message (SamMessageRow *self, SamMessage *message);
void        sam_message_row_set_is_last (SamMessageRow *self, gboolean is_last);

G_END_DECLS
