/* sam-markdown-view.h — shows Markdown as GTK widgets, cheaply extended while it streams.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SAM_TYPE_MARKDOWN_VIEW (sam_markdown_view_get_type ())

G_DECLARE_FINAL_TYPE (SamMarkdownView, sam_markdown_view, SAM, MARKDOWN_VIEW, GtkWidget)

GtkWidget  *sam_markdown_view_new (void);
const char *sam_markdown_view_get_text (SamMarkdownView *self);
void        sam_markdown_view_set_text (SamMarkdownView *self, const char *text);
void        sam_markdown_view_stream (SamMarkdownView *self, const char *text);
guint       sam_markdown_view_get_n_rendered (SamMarkdownView *self);
gboolean    sam_markdown_view_make_selectable_at (SamMarkdownView *self, double y);

G_END_DECLS
