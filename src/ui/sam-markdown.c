/* sam-markdown.c — Markdown to display blocks (Pango markup), through md4c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <md4c.h>
#include <string.h>

#include "sam-markdown.h"

/* Links are shown only for schemes a person expects to open from a chat. */
static const char *safe_schemes[] = { "http://", "https://", "mailto:" };

typedef struct
{
  GPtrArray        *blocks;
  SamMarkdownBlock *current;
  GString          *markup;
  GString          *code;
  guint             depth;
  /* Lists: one entry per open list, the next number or 0 for bullets. */
  GArray *lists;
  /* The number of the first item of a numbered list that begins the text, or 0 for the
   * number written. */
  guint    first_number;
  gboolean in_table;
  gboolean in_code;
  guint    link_depth;
  gboolean item_open;
  /* Open Pango tags, innermost last: closed at the end of each block or cell even if md4c
   * does not report the end of a span, so the markup always stays well formed. */
  GPtrArray *open_tags;
  /* When settling a paragraph: the text parsed, and the offset in it of the first delimiter
   * left as text that more text could still match (G_MAXSIZE for none). */
  const char *doc;
  gsize       doc_length;
  gsize       first_open;
} ParseState;

void
sam_markdown_block_free (SamMarkdownBlock *block)
{
  if (block == NULL)
    return;

  g_free (block->markup);
  g_free (block->code);
  g_free (block->language);
  g_clear_pointer (&block->cells, g_ptr_array_unref);
  g_free (block);
}

static void
append_escaped (GString *string, const char *text, gsize length)
{
  g_autofree char *escaped = g_markup_escape_text (text, length);

  g_string_append (string, escaped);
}

static void
append_attribute (GString *string, const MD_ATTRIBUTE *attribute)
{
  /* Attributes arrive with entities undecoded; the markup escaping of the whole run keeps
   * them readable and harmless. */
  append_escaped (string, attribute->text, attribute->size);
}

static gboolean
is_safe_link (const MD_ATTRIBUTE *href)
{
  for (guint i = 0; i < G_N_ELEMENTS (safe_schemes); i++)
    {
      gsize n = strlen (safe_schemes[i]);

      if (href->size > n && g_ascii_strncasecmp (href->text, safe_schemes[i], n) == 0)
        return TRUE;
    }

  return FALSE;
}

static void
push_tag (ParseState *state, const char *tag)
{
  g_string_append_printf (state->markup, "<%s>", tag);
  g_ptr_array_add (state->open_tags, (gpointer) tag);
}

static void
push_link (ParseState *state, const MD_ATTRIBUTE *href)
{
  g_string_append (state->markup, "<a href=\"");
  append_attribute (state->markup, href);
  g_string_append (state->markup, "\">");
  g_ptr_array_add (state->open_tags, (gpointer) "a");
}

static void
pop_tag (ParseState *state, const char *tag)
{
  guint index;

  if (!g_ptr_array_find_with_equal_func (state->open_tags, tag, g_str_equal, &index))
    return;

  while (state->open_tags->len > index)
    {
      const char *open = g_ptr_array_steal_index (state->open_tags, state->open_tags->len - 1);

      g_string_append_printf (state->markup, "</%s>", open);
    }
}

static void
close_tags (ParseState *state)
{
  if (state->open_tags->len > 0)
    pop_tag (state, g_ptr_array_index (state->open_tags, 0));
}

static void
begin_block (ParseState *state, SamMarkdownBlockKind kind)
{
  state->current = g_new0 (SamMarkdownBlock, 1);
  state->current->kind = kind;
  g_string_truncate (state->markup, 0);
  g_string_truncate (state->code, 0);
}

static void
end_block (ParseState *state)
{
  SamMarkdownBlock *block = g_steal_pointer (&state->current);

  if (block == NULL)
    return;

  close_tags (state);

  if (block->kind == SAM_MARKDOWN_BLOCK_CODE)
    {
      /* The last newline of a fence belongs to the fence, not to the code. */
      if (state->code->len > 0 && state->code->str[state->code->len - 1] == '\n')
        g_string_truncate (state->code, state->code->len - 1);
      block->code = g_strndup (state->code->str, state->code->len);
    }
  else if (block->kind != SAM_MARKDOWN_BLOCK_TABLE)
    {
      /* Trailing line breaks left by the last paragraph of a list or quote. */
      while (state->markup->len > 0 && state->markup->str[state->markup->len - 1] == '\n')
        g_string_truncate (state->markup, state->markup->len - 1);
      block->markup = g_strndup (state->markup->str, state->markup->len);
    }

  g_ptr_array_add (state->blocks, block);
}

static void
list_item_prefix (ParseState *state)
{
  guint  level = state->lists->len;
  guint *number = &g_array_index (state->lists, guint, level - 1);

  if (state->markup->len > 0 && state->markup->str[state->markup->len - 1] != '\n')
    g_string_append_c (state->markup, '\n');

  for (guint i = 1; i < level; i++)
    g_string_append (state->markup, "    ");

  if (*number > 0)
    g_string_append_printf (state->markup, "%u. ", (*number)++);
  else
    g_string_append (state->markup, level % 2 ? "•  " : "◦  ");
}

static int
enter_block_cb (MD_BLOCKTYPE type, void *detail, void *user_data)
{
  ParseState *state = user_data;

  state->depth++;

  /* Top-level blocks start a new display block; nested ones add to it. */
  if (state->depth == 2)
    {
      switch (type)
        {
        case MD_BLOCK_P:
        case MD_BLOCK_HTML:
          begin_block (state, SAM_MARKDOWN_BLOCK_PARAGRAPH);
          break;
        case MD_BLOCK_H:
          begin_block (state, SAM_MARKDOWN_BLOCK_HEADING);
          state->current->level = ((MD_BLOCK_H_DETAIL *) detail)->level;
          break;
        case MD_BLOCK_QUOTE:
          begin_block (state, SAM_MARKDOWN_BLOCK_QUOTE);
          break;
        case MD_BLOCK_UL:
        case MD_BLOCK_OL:
          begin_block (state, SAM_MARKDOWN_BLOCK_LIST);
          break;
        case MD_BLOCK_CODE:
          {
            MD_BLOCK_CODE_DETAIL *code = detail;

            begin_block (state, SAM_MARKDOWN_BLOCK_CODE);
            if (code->lang.size > 0)
              state->current->language = g_strndup (code->lang.text, code->lang.size);
          }
          break;
        case MD_BLOCK_TABLE:
          begin_block (state, SAM_MARKDOWN_BLOCK_TABLE);
          state->current->n_columns = ((MD_BLOCK_TABLE_DETAIL *) detail)->col_count;
          state->current->cells = g_ptr_array_new_with_free_func (g_free);
          state->in_table = TRUE;
          break;
        case MD_BLOCK_HR:
          begin_block (state, SAM_MARKDOWN_BLOCK_RULE);
          break;
        case MD_BLOCK_DOC:
        case MD_BLOCK_LI:
        case MD_BLOCK_THEAD:
        case MD_BLOCK_TBODY:
        case MD_BLOCK_TR:
        case MD_BLOCK_TH:
        case MD_BLOCK_TD:
        default:
          break;
        }
    }

  switch (type)
    {
    case MD_BLOCK_UL:
      g_array_append_val (state->lists, (guint){ 0 });
      break;
    case MD_BLOCK_OL:
      {
        guint start = MAX (((MD_BLOCK_OL_DETAIL *) detail)->start, 1);

        if (state->lists->len == 0 && state->first_number > 0)
          start = state->first_number;
        state->first_number = 0;
        g_array_append_val (state->lists, start);
      }
      break;
    case MD_BLOCK_LI:
      if (state->lists->len > 0)
        list_item_prefix (state);
      state->item_open = TRUE;
      if (((MD_BLOCK_LI_DETAIL *) detail)->is_task)
        g_string_append (state->markup,
                         ((MD_BLOCK_LI_DETAIL *) detail)->task_mark == ' ' ? "☐ " : "☑ ");
      break;
    case MD_BLOCK_P:
      /* A second paragraph inside a list item or quote starts on its own line. */
      if (state->depth > 2 && !state->item_open && state->markup->len > 0)
        g_string_append (state->markup, "\n");
      state->item_open = FALSE;
      break;
    case MD_BLOCK_CODE:
      state->in_code = TRUE;
      if (state->depth > 2)
        {
          g_string_append_c (state->markup, '\n');
          push_tag (state, "tt");
        }
      break;
    case MD_BLOCK_H:
      if (state->depth > 2)
        push_tag (state, "b");
      break;
    case MD_BLOCK_TH:
    case MD_BLOCK_TD:
      g_string_truncate (state->markup, 0);
      if (type == MD_BLOCK_TH)
        push_tag (state, "b");
      break;
    case MD_BLOCK_DOC:
    case MD_BLOCK_QUOTE:
    case MD_BLOCK_HR:
    case MD_BLOCK_HTML:
    case MD_BLOCK_TABLE:
    case MD_BLOCK_THEAD:
    case MD_BLOCK_TBODY:
    case MD_BLOCK_TR:
    default:
      break;
    }

  return 0;
}

static int
leave_block_cb (MD_BLOCKTYPE type, void *detail, void *user_data)
{
  ParseState *state = user_data;

  switch (type)
    {
    case MD_BLOCK_UL:
    case MD_BLOCK_OL:
      g_array_set_size (state->lists, state->lists->len - 1);
      break;
    case MD_BLOCK_P:
      if (state->depth > 2)
        g_string_append_c (state->markup, '\n');
      break;
    case MD_BLOCK_CODE:
      state->in_code = FALSE;
      if (state->depth > 2)
        {
          while (state->markup->len > 0 && state->markup->str[state->markup->len - 1] == '\n')
            g_string_truncate (state->markup, state->markup->len - 1);
          pop_tag (state, "tt");
          g_string_append_c (state->markup, '\n');
        }
      break;
    case MD_BLOCK_H:
      if (state->depth > 2)
        {
          pop_tag (state, "b");
          g_string_append_c (state->markup, '\n');
        }
      break;
    case MD_BLOCK_TH:
    case MD_BLOCK_TD:
      close_tags (state);
      if (state->current != NULL && state->current->cells != NULL)
        g_ptr_array_add (state->current->cells, g_strndup (state->markup->str, state->markup->len));
      g_string_truncate (state->markup, 0);
      break;
    case MD_BLOCK_TABLE:
      state->in_table = FALSE;
      break;
    case MD_BLOCK_DOC:
    case MD_BLOCK_QUOTE:
    case MD_BLOCK_LI:
    case MD_BLOCK_HR:
    case MD_BLOCK_HTML:
    case MD_BLOCK_THEAD:
    case MD_BLOCK_TBODY:
    case MD_BLOCK_TR:
    default:
      break;
    }

  if (state->depth == 2)
    end_block (state);

  state->depth--;

  return 0;
}

static int
enter_span_cb (MD_SPANTYPE type, void *detail, void *user_data)
{
  ParseState *state = user_data;

  switch (type)
    {
    case MD_SPAN_EM:
      push_tag (state, "i");
      break;
    case MD_SPAN_STRONG:
      push_tag (state, "b");
      break;
    case MD_SPAN_CODE:
      push_tag (state, "tt");
      break;
    case MD_SPAN_DEL:
      push_tag (state, "s");
      break;
    case MD_SPAN_U:
      push_tag (state, "u");
      break;
    case MD_SPAN_A:
      {
        MD_SPAN_A_DETAIL *a = detail;

        /* A link inside a link, or one with an odd scheme, stays plain text. */
        if (state->link_depth++ == 0 && is_safe_link (&a->href))
          {
            push_link (state, &a->href);
          }
        else
          {
            state->link_depth += 1000;
          }
      }
      break;
    case MD_SPAN_IMG:
    case MD_SPAN_LATEXMATH:
    case MD_SPAN_LATEXMATH_DISPLAY:
    case MD_SPAN_WIKILINK:
    default:
      break;
    }

  return 0;
}

static int
leave_span_cb (MD_SPANTYPE type, void *detail, void *user_data)
{
  ParseState *state = user_data;

  switch (type)
    {
    case MD_SPAN_EM:
      pop_tag (state, "i");
      break;
    case MD_SPAN_STRONG:
      pop_tag (state, "b");
      break;
    case MD_SPAN_CODE:
      pop_tag (state, "tt");
      break;
    case MD_SPAN_DEL:
      pop_tag (state, "s");
      break;
    case MD_SPAN_U:
      pop_tag (state, "u");
      break;
    case MD_SPAN_A:
      if (state->link_depth >= 1000)
        state->link_depth -= 1000;
      else
        pop_tag (state, "a");
      state->link_depth--;
      break;
    case MD_SPAN_IMG:
    case MD_SPAN_LATEXMATH:
    case MD_SPAN_LATEXMATH_DISPLAY:
    case MD_SPAN_WIKILINK:
    default:
      break;
    }

  return 0;
}

static void
append_entity (GString *string, const char *text, gsize length)
{
  static const struct
  {
    const char *name;
    const char *text;
  } entities[] = {
    { "&amp;", "&" },   { "&lt;", "<" },     { "&gt;", ">" },   { "&quot;", "\"" },
    { "&apos;", "'" },  { "&nbsp;", " " },   { "&copy;", "©" }, { "&mdash;", "—" },
    { "&ndash;", "–" }, { "&hellip;", "…" }, { "&rarr;", "→" },
  };

  if (length > 3 && text[1] == '#')
    {
      gboolean hex = text[2] == 'x' || text[2] == 'X';
      guint64  value = g_ascii_strtoull (text + (hex ? 3 : 2), NULL, hex ? 16 : 10);

      if (value > 0 && value < 0x110000 && g_unichar_validate ((gunichar) value))
        {
          char buffer[8] = { 0 };

          g_unichar_to_utf8 ((gunichar) value, buffer);
          append_escaped (string, buffer, -1);
          return;
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    {
      if (strlen (entities[i].name) == length && memcmp (entities[i].name, text, length) == 0)
        {
          append_escaped (string, entities[i].text, -1);
          return;
        }
    }

  append_escaped (string, text, length);
}

static gboolean
is_space_at (ParseState *state, const char *p)
{
  return p < state->doc || p >= state->doc + state->doc_length || g_ascii_isspace (*p);
}

static gboolean
is_alnum_at (ParseState *state, const char *p)
{
  return p >= state->doc && p < state->doc + state->doc_length && g_ascii_isalnum (*p);
}

/* Finds, in text md4c shows as it is, the delimiters that text written later could still
 * match: an opening bracket or backtick, and emphasis marks that could open or close (not
 * those between two spaces, nor an underscore inside a word). A pipe could make the paragraph
 * a table's header. */
static void
note_open_delimiters (ParseState *state, const char *text, gsize size)
{
  if (text < state->doc || text + size > state->doc + state->doc_length)
    return;

  for (const char *p = text; p < text + size; p++)
    {
      gboolean open;

      switch (*p)
        {
        case '[':
        case '`':
        case '|':
          open = TRUE;
          break;
        case '*':
        case '~':
          open = !is_space_at (state, p - 1) || !is_space_at (state, p + 1);
          break;
        case '_':
          open = !(is_space_at (state, p - 1) && is_space_at (state, p + 1)) &&
                 !(is_alnum_at (state, p - 1) && is_alnum_at (state, p + 1));
          break;
        default:
          open = FALSE;
          break;
        }

      if (open)
        {
          state->first_open = MIN (state->first_open, (gsize) (p - state->doc));
          return;
        }
    }
}

static int
text_cb (MD_TEXTTYPE type, const MD_CHAR *text, MD_SIZE size, void *user_data)
{
  ParseState *state = user_data;

  if (state->current == NULL)
    return 0;

  if (state->in_code && state->current->kind == SAM_MARKDOWN_BLOCK_CODE && state->depth == 2)
    {
      g_string_append_len (state->code, text, size);
      return 0;
    }

  switch (type)
    {
    case MD_TEXT_BR:
      g_string_append_c (state->markup, '\n');
      break;
    case MD_TEXT_SOFTBR:
      g_string_append_c (state->markup, ' ');
      break;
    case MD_TEXT_NULLCHAR:
      g_string_append (state->markup, "\xef\xbf\xbd");
      break;
    case MD_TEXT_ENTITY:
      append_entity (state->markup, text, size);
      break;
    case MD_TEXT_NORMAL:
      if (state->doc != NULL)
        note_open_delimiters (state, text, size);
      append_escaped (state->markup, text, size);
      break;
    case MD_TEXT_CODE:
    case MD_TEXT_HTML:
    case MD_TEXT_LATEXMATH:
    default:
      append_escaped (state->markup, text, size);
      break;
    }

  return 0;
}

static GPtrArray *
parse (const char *text, gsize length, guint first_number, gsize *first_open)
{
  MD_PARSER parser = {
    .abi_version = 0,
    .flags = MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_TASKLISTS |
             MD_FLAG_PERMISSIVEURLAUTOLINKS | MD_FLAG_PERMISSIVEWWWAUTOLINKS |
             MD_FLAG_NOINDENTEDCODEBLOCKS | MD_FLAG_NOHTML,
    .enter_block = enter_block_cb,
    .leave_block = leave_block_cb,
    .enter_span = enter_span_cb,
    .leave_span = leave_span_cb,
    .text = text_cb,
  };
  ParseState state = { 0 };

  state.blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) sam_markdown_block_free);
  state.markup = g_string_new (NULL);
  state.code = g_string_new (NULL);
  state.lists = g_array_new (FALSE, FALSE, sizeof (guint));
  state.open_tags = g_ptr_array_new ();
  state.first_open = G_MAXSIZE;
  state.first_number = first_number;
  if (first_open != NULL)
    {
      state.doc = text;
      state.doc_length = length;
    }

  if (length > 0)
    md_parse (text, (MD_SIZE) MIN (length, G_MAXUINT32), &parser, &state);

  /* A parse that stopped early must not leak its half-built block. */
  g_clear_pointer (&state.current, sam_markdown_block_free);
  g_string_free (state.markup, TRUE);
  g_string_free (state.code, TRUE);
  g_array_unref (state.lists);
  g_ptr_array_unref (state.open_tags);

  if (first_open != NULL)
    *first_open = state.first_open;
  return state.blocks;
}

/**
 * sam_markdown_parse:
 * @text: Markdown, not necessarily nul-terminated
 * @length: its length in bytes
 *
 * Parses @text into display blocks: one per top-level Markdown block. Raw HTML is shown as
 * text, and only http, https and mailto links are kept as links.
 *
 * Returns: (transfer full) (element-type SamMarkdownBlock): the blocks
 */
GPtrArray *
sam_markdown_parse (const char *text, gsize length)
{
  g_return_val_if_fail (text != NULL || length == 0, NULL);

  return parse (text, length, 0, NULL);
}

/**
 * sam_markdown_parse_numbered:
 * @text: Markdown, not necessarily nul-terminated
 * @length: its length in bytes
 * @number: the number of the first item of a numbered list that begins @text, or 0 for the
 *   number written
 *
 * Parses @text as sam_markdown_parse() does, the items of a numbered list @text begins with
 * counted from @number: the rest of a list whose first items are settled.
 *
 * Returns: (transfer full) (element-type SamMarkdownBlock): the blocks
 */
GPtrArray *
sam_markdown_parse_numbered (const char *text, gsize length, guint number)
{
  g_return_val_if_fail (text != NULL || length == 0, NULL);

  return parse (text, length, number, NULL);
}

/* The last place before @end where a paragraph may be cut: the start of a word after a single
 * space. The word begins with a letter, so the rest cannot begin a block of its own (a list
 * item, a heading); one space, so no line break is lost at the cut. */
static gsize
last_cut_before (const char *text, gsize end)
{
  for (gsize i = end; i >= 3; i--)
    {
      guchar c = text[i - 1];

      if (text[i - 2] == ' ' && text[i - 3] != ' ' && text[i - 3] != '\t' && text[i - 3] != '\n' &&
          (g_ascii_isalpha (c) || c >= 0xc0))
        return i - 1;
    }

  return 0;
}

/**
 * sam_markdown_settle_paragraph:
 * @text: the start of a paragraph that is still being written, not necessarily nul-terminated
 * @length: its length in bytes
 * @markup: (out) (optional): the Pango markup of the part settled, with the space after it
 *
 * Finds how much of a paragraph being written is settled: a beginning, up to a word, that comes
 * out the same however the paragraph goes on, so that it need not be parsed again. That is so
 * when nothing in it is left open that later text could close (an emphasis mark, a bracket, a
 * backtick); emphasis closed within it stays as it is (CommonMark matches each closing mark
 * with an opening one before it). The rest of the paragraph can then be parsed on its own,
 * from the word on, and shown after @markup, for as long as the rest comes out as one
 * paragraph: a line that makes the whole a heading or a table makes it something else, and
 * the caller must then parse the block whole again.
 *
 * Returns: the length of the settled beginning, or 0 when none is
 */
gsize
sam_markdown_settle_paragraph (const char *text, gsize length, char **markup)
{
  gsize cut;

  g_return_val_if_fail (text != NULL || length == 0, 0);

  cut = last_cut_before (text, length);
  /* When something is open, the part before it may still be settled: one more try. */
  for (guint tries = 0; cut > 0 && tries < 2; tries++)
    {
      gsize first_open;
      g_autoptr (GPtrArray) blocks = parse (text, cut, 0, &first_open);
      SamMarkdownBlock *block = blocks->len == 1 ? g_ptr_array_index (blocks, 0) : NULL;

      if (block == NULL || block->kind != SAM_MARKDOWN_BLOCK_PARAGRAPH)
        return 0;

      if (first_open == G_MAXSIZE)
        {
          if (markup != NULL)
            *markup = g_strconcat (block->markup, " ", NULL);
          return cut;
        }

      cut = last_cut_before (text, first_open);
    }

  return 0;
}

/* The length of the list item marker that begins @line, with the space after it ("- ",
 * "12. "), or 0 for none; @delimiter is set to its bullet, or to the '.' or ')' after its
 * number. */
static gsize
item_marker (const char *line, const char *end, char *delimiter)
{
  const char *p = line;

  if (p < end && (*p == '-' || *p == '*' || *p == '+'))
    p++;
  else
    {
      while (p < end && p - line < 9 && g_ascii_isdigit (*p))
        p++;
      if (p == line || p == end || (*p != '.' && *p != ')'))
        return 0;
      p++;
    }

  if (p == end || *p != ' ')
    return 0;

  *delimiter = p[-1];
  return p + 1 - line;
}

/* The start of the last line before @end that begins an item of the list @text begins with:
 * at the left edge, with the same bullet or the same delimiter after its number. Sets
 * @delimiter to that bullet or delimiter, and @n_items to the number of items before it. */
static gsize
last_item_before (const char *text, gsize end, char *delimiter, guint *n_items)
{
  char  other;
  gsize last = 0;

  if (item_marker (text, text + end, delimiter) == 0)
    return 0;

  for (gsize i = end - 1; i > 0 && last == 0; i--)
    if (text[i - 1] == '\n' && item_marker (text + i, text + end, &other) > 0 &&
        other == *delimiter)
      last = i;

  /* Items before it, to count numbers on from: every line at the left edge with that marker
   * begins one, as the list is one block. */
  *n_items = 0;
  for (gsize i = 0; i < last; i++)
    if ((i == 0 || text[i - 1] == '\n') && item_marker (text + i, text + last, &other) > 0 &&
        other == *delimiter)
      (*n_items)++;

  return last;
}

/**
 * sam_markdown_settle_list:
 * @text: the start of a list that is still being written, not necessarily nul-terminated
 * @length: its length in bytes
 * @number: (inout): for a numbered list, the number of its first item, or 0 for the number
 *   written; set to the number of the first item after the settled ones
 * @markup: (out) (optional): the Pango markup of the items settled, with the line break after
 *   them
 *
 * Finds how much of a list being written is settled: the items before its last one. No inline
 * markup spans two items, and while a list is written as one block it has no blank line and is
 * tight, so items that another follows do not change. The rest can then be parsed on its own,
 * from the last item on (numbered from @number with sam_markdown_parse_numbered()), and shown
 * after @markup, for as long as it comes out as one list (another bullet or delimiter starts
 * another list, a rule ends it): the caller must otherwise parse the block whole again.
 *
 * Returns: the length of the settled items, or 0 when none is
 */
gsize
sam_markdown_settle_list (const char *text, gsize length, guint *number, char **markup)
{
  g_autoptr (GPtrArray) blocks = NULL;
  SamMarkdownBlock *block;
  gsize             cut;
  guint             n_items;
  char              delimiter;

  g_return_val_if_fail (text != NULL || length == 0, 0);
  g_return_val_if_fail (number != NULL, 0);

  if ((cut = last_item_before (text, length, &delimiter, &n_items)) == 0)
    return 0;

  blocks = parse (text, cut, *number, NULL);
  block = blocks->len == 1 ? g_ptr_array_index (blocks, 0) : NULL;
  if (block == NULL || block->kind != SAM_MARKDOWN_BLOCK_LIST)
    return 0;

  if (delimiter == '.' || delimiter == ')')
    {
      /* As the list is shown: from the first number written, or 1 for 0. */
      if (*number == 0)
        *number = MAX (g_ascii_strtoull (text, NULL, 10), 1);
      *number += n_items;
    }

  if (markup != NULL)
    *markup = g_strconcat (block->markup, "\n", NULL);
  return cut;
}

static gboolean
is_fence (const char *line, const char *end)
{
  int spaces = 0;

  while (line < end && *line == ' ' && spaces < 4)
    line++, spaces++;

  return end - line >= 3 && (memcmp (line, "```", 3) == 0 || memcmp (line, "~~~", 3) == 0);
}

static gboolean
is_blank (const char *line, const char *end)
{
  for (; line < end; line++)
    if (*line != ' ' && *line != '\t' && *line != '\r')
      return FALSE;
  return TRUE;
}

/**
 * sam_markdown_stable_end:
 * @text: Markdown that is still being written
 * @length: its length in bytes
 * @from: an offset already known to be a block boundary outside any fence
 *
 * Finds how far @text is made of finished top-level blocks: the offset just after the last
 * blank line outside a fenced code block that is followed by more text. Blocks before it do
 * not change however the text goes on, so a streaming view renders them once.
 *
 * Returns: the offset, at least @from
 */
gsize
sam_markdown_stable_end (const char *text, gsize length, gsize from)
{
  const char *end = text + length;
  const char *line = text + from;
  gboolean    in_fence = FALSE;
  gsize       stable = from;

  while (line < end)
    {
      const char *newline = memchr (line, '\n', end - line);

      /* An unfinished last line may still become anything. */
      if (newline == NULL)
        break;

      if (is_fence (line, newline))
        in_fence = !in_fence;
      else if (!in_fence && is_blank (line, newline) && newline + 1 < end)
        stable = newline + 1 - text;

      line = newline + 1;
    }

  return stable;
}
