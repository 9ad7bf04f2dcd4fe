/* sam-markdown.h — Markdown to display blocks (Pango markup), through md4c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SAM_MARKDOWN_BLOCK_PARAGRAPH,
  SAM_MARKDOWN_BLOCK_HEADING,
  SAM_MARKDOWN_BLOCK_QUOTE,
  SAM_MARKDOWN_BLOCK_LIST,
  SAM_MARKDOWN_BLOCK_CODE,
  SAM_MARKDOWN_BLOCK_TABLE,
  SAM_MARKDOWN_BLOCK_RULE,
} SamMarkdownBlockKind;

typedef struct
{
  SamMarkdownBlockKind kind;
  /* Pango markup for paragraphs, headings, quotes and lists. */
  char *markup;
  /* The raw text and info string of a code block. */
  char *code;
  char *language;
  /* Heading level, 1 to 6. */
  guint level;
  /* A table: cells as Pango markup, row after row; the first row is the header. */
  guint      n_columns;
  GPtrArray *cells;
} SamMarkdownBlock;

void       sam_markdown_block_free (SamMarkdownBlock *block);
GPtrArray *sam_markdown_parse (const char *text, gsize length);
GPtrArray *sam_markdown_parse_numbered (const char *text, gsize length, guint number);
gsize      sam_markdown_stable_end (const char *text, gsize length, gsize from);
gsize      sam_markdown_settle_paragraph (const char *text, gsize length, char **markup);
gsize      sam_markdown_settle_list (const char *text, gsize length, guint *number, char **markup);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamMarkdownBlock, sam_markdown_block_free)

G_END_DECLS
