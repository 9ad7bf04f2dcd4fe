/* sam-markdown-tail.h — the paragraph a streaming reply is writing, laid out once per change.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SAM_TYPE_MARKDOWN_TAIL (sam_markdown_tail_get_type ())

G_DECLARE_FINAL_TYPE (SamMarkdownTail, sam_markdown_tail, SAM, MARKDOWN_TAIL, GtkWidget)

GtkWidget *sam_markdown_tail_new (void);
void       sam_markdown_tail_set_markup (SamMarkdownTail *self, const char *markup);
void
sam_markdown_tail_set_markup_after (SamMarkdownTail *self, const char *settled, const char *markup);
const char    *sam_markdown_tail_get_text (SamMarkdownTail *self);
guint          sam_markdown_tail_get_n_pieces (SamMarkdownTail *self);
GArray        *sam_markdown_tail_dup_line_starts (SamMarkdownTail *self);
gsize          sam_markdown_tail_get_settled_length (SamMarkdownTail *self);
PangoAttrList *sam_markdown_tail_dup_attributes (SamMarkdownTail *self);
gboolean       sam_markdown_tail_parse_markup (SamMarkdownTail *self,
                                               const char      *markup,
                                               char           **text,
                                               PangoAttrList  **attrs);

G_END_DECLS
