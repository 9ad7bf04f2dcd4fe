/* test-markdown.c — Markdown to display blocks, and the stable prefix used while streaming.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sam-test-util.h"
#include "ui/sam-markdown.h"

static GPtrArray *
parse (const char *text)
{
  return sam_markdown_parse (text, strlen (text));
}

static SamMarkdownBlock *
block (GPtrArray *blocks, guint i)
{
  g_assert_cmpuint (i, <, blocks->len);
  return g_ptr_array_index (blocks, i);
}

static void
assert_valid_markup (const char *markup)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GMarkupParseContext) context = NULL;
  static const GMarkupParser parser = { 0 };
  g_autofree char           *wrapped = g_strdup_printf ("<markup>%s</markup>", markup);

  context = g_markup_parse_context_new (&parser, 0, NULL, NULL);
  g_markup_parse_context_parse (context, wrapped, -1, &error);
  g_assert_no_error (error);
}

static void
test_markdown_inline (void)
{
  g_autoptr (GPtrArray) blocks = parse ("Hello *you* and **me**, `code`, ~~old~~ & <b>raw</b>.");

  g_assert_cmpuint (blocks->len, ==, 1);
  g_assert_cmpint (block (blocks, 0)->kind, ==, SAM_MARKDOWN_BLOCK_PARAGRAPH);
  g_assert_cmpstr (
      block (blocks, 0)->markup, ==,
      "Hello <i>you</i> and <b>me</b>, <tt>code</tt>, <s>old</s> &amp; &lt;b&gt;raw&lt;/b&gt;.");
  assert_valid_markup (block (blocks, 0)->markup);
}

static void
test_markdown_links (void)
{
  g_autoptr (GPtrArray) blocks =
      parse ("[GNOME](https://gnome.org \"t\") and [bad](javascript:alert(1)) "
             "and https://example.com/a?b=1&c=2");
  const char *markup = block (blocks, 0)->markup;

  g_assert_nonnull (strstr (markup, "<a href=\"https://gnome.org\">GNOME</a>"));
  g_assert_null (strstr (markup, "javascript"));
  g_assert_nonnull (strstr (markup, "bad"));
  g_assert_nonnull (strstr (markup, "<a href=\"https://example.com/a?b=1&amp;c=2\">"));
  assert_valid_markup (markup);
}

static void
test_markdown_blocks (void)
{
  g_autoptr (GPtrArray) blocks = parse ("# Title\n\n"
                                        "Para one\nsame para.\n\n"
                                        "> quoted\n> text\n\n"
                                        "- one\n- two\n  - nested\n\n"
                                        "3. three\n4. four\n\n"
                                        "---\n\n"
                                        "```c\nint main (void);\n\nreturn 0;\n```\n");

  g_assert_cmpuint (blocks->len, ==, 7);
  g_assert_cmpint (block (blocks, 0)->kind, ==, SAM_MARKDOWN_BLOCK_HEADING);
  g_assert_cmpuint (block (blocks, 0)->level, ==, 1);
  g_assert_cmpstr (block (blocks, 0)->markup, ==, "Title");
  g_assert_cmpstr (block (blocks, 1)->markup, ==, "Para one same para.");
  g_assert_cmpint (block (blocks, 2)->kind, ==, SAM_MARKDOWN_BLOCK_QUOTE);
  g_assert_cmpstr (block (blocks, 2)->markup, ==, "quoted text");
  g_assert_cmpint (block (blocks, 3)->kind, ==, SAM_MARKDOWN_BLOCK_LIST);
  g_assert_cmpstr (block (blocks, 3)->markup, ==, "•  one\n•  two\n    ◦  nested");
  g_assert_cmpstr (block (blocks, 4)->markup, ==, "3. three\n4. four");
  g_assert_cmpint (block (blocks, 5)->kind, ==, SAM_MARKDOWN_BLOCK_RULE);
  g_assert_cmpint (block (blocks, 6)->kind, ==, SAM_MARKDOWN_BLOCK_CODE);
  g_assert_cmpstr (block (blocks, 6)->language, ==, "c");
  g_assert_cmpstr (block (blocks, 6)->code, ==, "int main (void);\n\nreturn 0;");

  for (guint i = 0; i < blocks->len; i++)
    if (block (blocks, i)->markup)
      assert_valid_markup (block (blocks, i)->markup);
}

static void
test_markdown_table (void)
{
  g_autoptr (GPtrArray) blocks = parse ("| Name | Age |\n|---|--:|\n| Ann | *31* |\n| Bo | 4 |\n");
  SamMarkdownBlock *table = block (blocks, 0);

  g_assert_cmpint (table->kind, ==, SAM_MARKDOWN_BLOCK_TABLE);
  g_assert_cmpuint (table->n_columns, ==, 2);
  g_assert_cmpuint (table->cells->len, ==, 6);
  g_assert_cmpstr (g_ptr_array_index (table->cells, 0), ==, "<b>Name</b>");
  g_assert_cmpstr (g_ptr_array_index (table->cells, 3), ==, "<i>31</i>");
  g_assert_cmpstr (g_ptr_array_index (table->cells, 4), ==, "Bo");
}

static void
test_markdown_entities (void)
{
  g_autoptr (GPtrArray) blocks = parse ("a &amp; b &#x1F600; &nbsp;&bogus; &#0;");
  const char *markup = block (blocks, 0)->markup;

  assert_valid_markup (markup);
  g_assert_nonnull (strstr (markup, "a &amp; b 😀"));
  g_assert_nonnull (strstr (markup, "&amp;bogus;"));
}

static void
test_markdown_stable_end (void)
{
  const char *text = "First para.\n\nSecond para\nstill going";
  const char *fenced = "Intro.\n\n```\ncode\n\nmore code\n";
  const char *closed = "Intro.\n\n```\ncode\n\nmore\n```\n\nAfter";
  gsize       stable;

  stable = sam_markdown_stable_end (text, strlen (text), 0);
  g_assert_cmpuint (stable, ==, strlen ("First para.\n\n"));

  /* A blank line inside an open fence is not a boundary. */
  stable = sam_markdown_stable_end (fenced, strlen (fenced), 0);
  g_assert_cmpuint (stable, ==, strlen ("Intro.\n\n"));

  stable = sam_markdown_stable_end (closed, strlen (closed), 0);
  g_assert_cmpuint (stable, ==, strlen ("Intro.\n\n```\ncode\n\nmore\n```\n\n"));

  /* A trailing blank line is not yet a boundary: a list might go on after it. */
  stable = sam_markdown_stable_end ("a\n\n", 3, 0);
  g_assert_cmpuint (stable, ==, 0);
}

/* The settled beginning of a paragraph being written ends before a word, and leaves out
 * whatever later text could still change: an emphasis, code span or link left open, a pipe. */
static void
test_markdown_settle_paragraph (void)
{
  static const struct
  {
    const char *text;
    const char *settled;
    const char *markup;
  } cases[] = {
    { "Some **bold** words go on", "Some **bold** words go ", "Some <b>bold</b> words go " },
    /* Left open: the part before it is settled. */
    { "One two three **bold that is not closed yet", "One two ", "One two " },
    { "We see `code that goes on and", "We ", "We " },
    { "We see [a link that goes on and", "We ", "We " },
    { "Open *emphasis at once", NULL, NULL },
    /* Marks that nothing can match stay text, and settle. */
    { "A snake_case name and 5 * 3 go on", "A snake_case name and 5 * 3 go ",
      "A snake_case name and 5 * 3 go " },
    { "Closed `code` and [a link](https://example.org) go on",
      "Closed `code` and [a link](https://example.org) go ",
      "Closed <tt>code</tt> and <a href=\"https://example.org\">a link</a> go " },
    /* A pipe could still make a table of it. */
    { "a | b and more words", NULL, NULL },
    /* Never before a mark that could begin a block, nor after two spaces (a line break). */
    { "Count 1. 2. 3", NULL, NULL },
    { "Two  spaces", NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *markup = NULL;
      gsize cut = sam_markdown_settle_paragraph (cases[i].text, strlen (cases[i].text), &markup);

      g_test_message ("%s", cases[i].text);
      if (cases[i].settled == NULL)
        {
          g_assert_cmpuint (cut, ==, 0);
          continue;
        }

      g_assert_cmpuint (cut, ==, strlen (cases[i].settled));
      g_assert_cmpint (strncmp (cases[i].text, cases[i].settled, cut), ==, 0);
      g_assert_cmpstr (markup, ==, cases[i].markup);
    }
}

/* The settled items of a list being written: all but the last, at the left edge, with the
 * first item's bullet or the delimiter after its number; and the number the last item shows. */
static void
test_markdown_settle_list (void)
{
  static const struct
  {
    const char *text;
    guint       number;
    gsize       cut;
    const char *markup;
    guint       next_number;
  } cases[] = {
    { "- a **b**\n- c", 0, 10, "•  a <b>b</b>\n", 0 },
    { "- a\n  - nested\n- c\n- d", 0, 19, "•  a\n    ◦  nested\n•  c\n", 0 },
    /* Numbered: counted on from the first number written, or from the number given. */
    { "1. a\n2. b\n3. c", 0, 10, "1. a\n2. b\n", 3 },
    { "1. a\n1. b\n1. c", 0, 10, "1. a\n2. b\n", 3 },
    { "7) a\n   - nested\n8) b", 0, 17, "7. a\n    ◦  nested\n", 8 },
    { "0. a\n9. b", 0, 5, "1. a\n", 2 },
    { "41. a\n42. b\n43. c", 12, 12, "12. a\n13. b\n", 14 },
    /* Another bullet or delimiter, a nested item, a rule: nothing to settle. */
    { "- a\n* b", 0, 0, NULL, 0 },
    { "1. a\n2) b", 0, 0, NULL, 0 },
    { "- a\n  - b", 0, 0, NULL, 0 },
    { "1. a\n   2. b", 0, 0, NULL, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *markup = NULL;
      guint            number = cases[i].number;
      gsize            cut =
          sam_markdown_settle_list (cases[i].text, strlen (cases[i].text), &number, &markup);

      g_test_message ("%s", cases[i].text);
      g_assert_cmpuint (cut, ==, cases[i].cut);
      g_assert_cmpstr (markup, ==, cases[i].markup);
      if (cut > 0)
        g_assert_cmpuint (number, ==, cases[i].next_number);
    }

  /* The rest, parsed on its own from that number. */
  {
    g_autoptr (GPtrArray) blocks = sam_markdown_parse_numbered ("1. c\n1. d", 9, 3);

    g_assert_cmpuint (blocks->len, ==, 1);
    g_assert_cmpstr (((SamMarkdownBlock *) g_ptr_array_index (blocks, 0))->markup, ==,
                     "3. c\n4. d");
  }
}

/* Blocks rendered from stable prefixes while streaming match a parse of the whole text. */
static void
test_markdown_streaming_matches_whole (void)
{
  const char *text = "Intro with **bold**.\n\n"
                     "1. first\n2. second\n\n"
                     "```python\nprint('hi')\n\nprint('bye')\n```\n\n"
                     "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                     "The end.";
  gsize       length = strlen (text);
  g_autoptr (GPtrArray) whole = parse (text);
  g_autoptr (GPtrArray) streamed =
      g_ptr_array_new_with_free_func ((GDestroyNotify) sam_markdown_block_free);
  gsize stable = 0;

  for (gsize end = 1; end <= length; end++)
    {
      gsize next = sam_markdown_stable_end (text, end, stable);

      if (next > stable)
        {
          g_autoptr (GPtrArray) part = sam_markdown_parse (text + stable, next - stable);

          for (guint i = 0; i < part->len; i++)
            g_ptr_array_add (streamed, g_ptr_array_steal_index (part, 0)), i--;
          stable = next;
        }
    }

  {
    g_autoptr (GPtrArray) tail = sam_markdown_parse (text + stable, length - stable);

    while (tail->len > 0)
      g_ptr_array_add (streamed, g_ptr_array_steal_index (tail, 0));
  }

  g_assert_cmpuint (streamed->len, ==, whole->len);
  for (guint i = 0; i < whole->len; i++)
    {
      g_assert_cmpint (block (streamed, i)->kind, ==, block (whole, i)->kind);
      g_assert_cmpstr (block (streamed, i)->markup, ==, block (whole, i)->markup);
      g_assert_cmpstr (block (streamed, i)->code, ==, block (whole, i)->code);
    }
}

static void
test_markdown_empty_and_garbage (void)
{
  g_autoptr (GPtrArray) empty = sam_markdown_parse ("", 0);
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  static const char alphabet[] = "*_`#>-|[]()!~&;\n \\<>:1.x";

  g_assert_cmpuint (empty->len, ==, 0);

  for (guint round = 0; round < 500; round++)
    {
      char  buffer[200];
      guint n = g_rand_int_range (rand, 1, sizeof buffer);
      g_autoptr (GPtrArray) blocks = NULL;

      for (guint i = 0; i < n; i++)
        buffer[i] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];

      blocks = sam_markdown_parse (buffer, n);
      for (guint i = 0; i < blocks->len; i++)
        {
          SamMarkdownBlock *b = block (blocks, i);

          if (b->markup)
            assert_valid_markup (b->markup);
          for (guint j = 0; b->cells && j < b->cells->len; j++)
            assert_valid_markup (g_ptr_array_index (b->cells, j));
        }
    }
}

int
main (int argc, char *argv[])
{
  sam_test_init_environment ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/markdown/inline", test_markdown_inline);
  g_test_add_func ("/markdown/links", test_markdown_links);
  g_test_add_func ("/markdown/blocks", test_markdown_blocks);
  g_test_add_func ("/markdown/table", test_markdown_table);
  g_test_add_func ("/markdown/entities", test_markdown_entities);
  g_test_add_func ("/markdown/stable-end", test_markdown_stable_end);
  g_test_add_func ("/markdown/streaming-matches-whole", test_markdown_streaming_matches_whole);
  g_test_add_func ("/markdown/settle-paragraph", test_markdown_settle_paragraph);
  g_test_add_func ("/markdown/settle-list", test_markdown_settle_list);
  g_test_add_func ("/markdown/empty-and-garbage", test_markdown_empty_and_garbage);

  return g_test_run ();
}
