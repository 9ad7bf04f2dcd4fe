/* sam-markdown-tail.c — the paragraph a streaming reply is writing, laid out once per change.
 *
 * A wrapped GtkLabel lays its text out several times for each change: at no width and at its
 * natural width when asked for its width, at the width it is given when asked for its height,
 * and once more when it is allocated. For the paragraph a reply is writing, which changes many
 * times a second, that is most of the cost of an update. This widget lays its text out again
 * only when its text or its width changes; it is only shown while the reply streams, and the
 * finished text is shown by labels again.
 *
 * Even once, laying out a whole paragraph costs in proportion to its length, and a reply may
 * be one long paragraph. Lines are broken greedily: a line, once another follows it, never
 * changes as text is added at the end. So the paragraph is laid out in pieces shown one below
 * the other: the finished lines, set aside a few at a time and each piece laid out once, and
 * the last lines, laid out again on each change. When the width or the font changes, or the
 * text already set aside comes out differently (an emphasis closed at last), it is laid out
 * whole again, once.
 *
 * Nor is the markup of the whole paragraph parsed on each change: the view gives the settled
 * beginning of a long paragraph once (sam_markdown_tail_set_markup_after()), and then only the
 * markup of the rest, which is all that is parsed and compared.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "sam-markdown-tail.h"

/* When the lines laid out on each change grow past this many, all but the last ones (the line
 * being written) are set aside. */
#define LIVE_LINES_MAX  4
#define LIVE_LINES_KEPT 1

typedef struct
{
  PangoLayout *layout;
  /* Where its text begins in the paragraph's text, in bytes. */
  gsize start;
} Piece;

/* A settled part of the text: where it begins, and its first attribute. */
typedef struct
{
  gsize start;
  guint first_attr;
} Part;

struct _SamMarkdownTail
{
  GtkWidget parent_instance;

  /* The text shown, without markup, and its attributes (PangoAttribute, with offsets in the
   * whole text) in the order they begin: those of the settled text first, each within its
   * part, then those of the rest. */
  GString   *text;
  GPtrArray *attrs;
  gsize      settled_length;
  guint      n_settled_attrs;
  GArray    *parts;
  /* The markup of the text after the settled part. */
  char *markup;
  /* The paragraph laid out in pieces, one below the other; the last one is laid out again on
   * each change. */
  GArray *pieces;
  /* What the pieces are laid out for: the width in pixels (-1 for no wrapping, -2 for none
   * yet) and the font, as the serial of the widget's Pango context. */
  int   width;
  guint serial;
};

G_DEFINE_FINAL_TYPE (SamMarkdownTail, sam_markdown_tail, GTK_TYPE_WIDGET)

static void
clear_piece (Piece *piece)
{
  g_clear_object (&piece->layout);
}

/* The index of the first attribute that may apply at @offset: the first of the settled part it
 * is in, as no attribute spans two parts. */
static guint
first_attribute_at (SamMarkdownTail *self, gsize offset)
{
  guint low = 0, high = self->parts->len;

  if (offset >= self->settled_length)
    return self->n_settled_attrs;

  /* The last part that begins at or before @offset. */
  while (high - low > 1)
    {
      guint middle = (low + high) / 2;

      if (g_array_index (self->parts, Part, middle).start <= offset)
        low = middle;
      else
        high = middle;
    }

  return self->parts->len > 0 ? g_array_index (self->parts, Part, low).first_attr : 0;
}

/* The attributes of the text from @start to @end, for a layout of that text alone. */
static PangoAttrList *
slice_attributes (SamMarkdownTail *self, gsize start, gsize end)
{
  PangoAttrList *slice = pango_attr_list_new ();

  for (guint i = first_attribute_at (self, start); i < self->attrs->len; i++)
    {
      PangoAttribute *attr = g_ptr_array_index (self->attrs, i);
      PangoAttribute *copy;

      if (attr->start_index >= end)
        break;
      if (attr->end_index <= start)
        continue;

      copy = pango_attribute_copy (attr);
      copy->start_index = MAX (attr->start_index, start) - start;
      copy->end_index = MIN (attr->end_index, end) - start;
      pango_attr_list_insert (slice, copy);
    }

  return slice;
}

/* Gives @piece the paragraph's text from its start to @end. */
static void
set_piece_text (SamMarkdownTail *self, Piece *piece, gsize end)
{
  g_autoptr (PangoAttrList) attrs = slice_attributes (self, piece->start, end);

  pango_layout_set_attributes (piece->layout, attrs);
  pango_layout_set_text (piece->layout, self->text->str + piece->start, end - piece->start);
}

static Piece *
add_piece (SamMarkdownTail *self, gsize start)
{
  Piece piece = { gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL), start };

  pango_layout_set_wrap (piece.layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_width (piece.layout, self->width < 0 ? -1 : self->width * PANGO_SCALE);
  g_array_append_val (self->pieces, piece);

  return &g_array_index (self->pieces, Piece, self->pieces->len - 1);
}

static Piece *
live_piece (SamMarkdownTail *self)
{
  return &g_array_index (self->pieces, Piece, self->pieces->len - 1);
}

/* When the last piece has grown past LIVE_LINES_MAX lines, its lines but the last
 * LIVE_LINES_KEPT are finished: it keeps them, laid out once more, and a new last piece takes
 * the rest. */
static void
set_finished_lines_aside (SamMarkdownTail *self)
{
  Piece           *live = live_piece (self);
  int              n_lines = pango_layout_get_line_count (live->layout);
  PangoLayoutLine *line;
  gsize            split, end;

  if (n_lines <= LIVE_LINES_MAX)
    return;

  line = pango_layout_get_line_readonly (live->layout, n_lines - LIVE_LINES_KEPT);
  split = live->start + line->start_index;
  /* A line that ended with a line break: the break is not shown, or the piece would end with
   * an empty line. */
  end = split > live->start && self->text->str[split - 1] == '\n' ? split - 1 : split;

  set_piece_text (self, live, end);
  live = add_piece (self, split);
  set_piece_text (self, live, self->text->len);
}

/* Lays the whole paragraph out again in one piece. */
static void
lay_out_whole (SamMarkdownTail *self)
{
  g_array_set_size (self->pieces, 0);
  set_piece_text (self, add_piece (self, 0), self->text->len);
}

/* Makes the pieces fit @width, laying out again only what changed. */
static void
ensure_layout (SamMarkdownTail *self, int width)
{
  guint serial = pango_context_get_serial (gtk_widget_get_pango_context (GTK_WIDGET (self)));

  if (width != self->width || serial != self->serial || self->pieces->len == 0)
    {
      self->width = width;
      self->serial = serial;
      lay_out_whole (self);
    }

  set_finished_lines_aside (self);
}

/* The height of the paragraph, in Pango units. */
static int
get_height (SamMarkdownTail *self)
{
  int height = 0;

  for (guint i = 0; i < self->pieces->len; i++)
    {
      int piece_height;

      pango_layout_get_size (g_array_index (self->pieces, Piece, i).layout, NULL, &piece_height);
      height += piece_height;
    }

  return height;
}

static GtkSizeRequestMode
sam_markdown_tail_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
sam_markdown_tail_measure (GtkWidget     *widget,
                           GtkOrientation orientation,
                           int            for_size,
                           int           *minimum,
                           int           *natural,
                           int           *minimum_baseline,
                           int           *natural_baseline)
{
  SamMarkdownTail *self = SAM_MARKDOWN_TAIL (widget);

  /* Wrapped text fits any width; its width is the width of the message. */
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = *natural = 0;
      return;
    }

  ensure_layout (self, for_size);
  *minimum = *natural = PANGO_PIXELS_CEIL (get_height (self));
}

static void
sam_markdown_tail_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  ensure_layout (SAM_MARKDOWN_TAIL (widget), width);
}

static void
sam_markdown_tail_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  SamMarkdownTail *self = SAM_MARKDOWN_TAIL (widget);
  GdkRGBA          color;
  int              y = 0;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  G_GNUC_END_IGNORE_DEPRECATIONS

  ensure_layout (self, gtk_widget_get_width (widget));
  for (guint i = 0; i < self->pieces->len; i++)
    {
      PangoLayout *layout = g_array_index (self->pieces, Piece, i).layout;
      int          height;

      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, (float) y / PANGO_SCALE));
      gtk_snapshot_append_layout (snapshot, layout, &color);
      gtk_snapshot_restore (snapshot);

      pango_layout_get_size (layout, NULL, &height);
      y += height;
    }
}

static void
sam_markdown_tail_dispose (GObject *object)
{
  SamMarkdownTail *self = SAM_MARKDOWN_TAIL (object);

  g_array_set_size (self->pieces, 0);

  G_OBJECT_CLASS (sam_markdown_tail_parent_class)->dispose (object);
}

static void
sam_markdown_tail_finalize (GObject *object)
{
  SamMarkdownTail *self = SAM_MARKDOWN_TAIL (object);

  g_array_unref (self->pieces);
  g_array_unref (self->parts);
  g_free (self->markup);
  g_string_free (self->text, TRUE);
  g_ptr_array_unref (self->attrs);

  G_OBJECT_CLASS (sam_markdown_tail_parent_class)->finalize (object);
}

static void
sam_markdown_tail_class_init (SamMarkdownTailClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sam_markdown_tail_dispose;
  object_class->finalize = sam_markdown_tail_finalize;

  widget_class->get_request_mode = sam_markdown_tail_get_request_mode;
  widget_class->measure = sam_markdown_tail_measure;
  widget_class->size_allocate = sam_markdown_tail_size_allocate;
  widget_class->snapshot = sam_markdown_tail_snapshot;

  gtk_widget_class_set_css_name (widget_class, "label");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LABEL);
}

static void
sam_markdown_tail_init (SamMarkdownTail *self)
{
  self->pieces = g_array_new (FALSE, TRUE, sizeof (Piece));
  g_array_set_clear_func (self->pieces, (GDestroyNotify) clear_piece);
  self->text = g_string_new (NULL);
  self->attrs = g_ptr_array_new_with_free_func ((GDestroyNotify) pango_attribute_destroy);
  self->parts = g_array_new (FALSE, FALSE, sizeof (Part));
  self->width = -2;
}

GtkWidget *
sam_markdown_tail_new (void)
{
  return g_object_new (SAM_TYPE_MARKDOWN_TAIL, NULL);
}

/* Pango markup has no links: a link is shown underlined in the colour of links, as the label
 * that shows the finished paragraph shows it. */
static char *
links_as_spans (SamMarkdownTail *self, const char *markup)
{
  g_autofree char *span = NULL;
  GString         *spans;
  GdkRGBA          color = { 0.2, 0.4, 0.9, 1.0 };

  if (strstr (markup, "<a href=\"") == NULL)
    return g_strdup (markup);

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_lookup_color (gtk_widget_get_style_context (GTK_WIDGET (self)), "accent_color",
                                  &color);
  G_GNUC_END_IGNORE_DEPRECATIONS
  span = g_strdup_printf ("<span underline=\"single\" foreground=\"#%02x%02x%02x\">",
                          (guint) (color.red * 255 + 0.5), (guint) (color.green * 255 + 0.5),
                          (guint) (color.blue * 255 + 0.5));

  spans = g_string_sized_new (strlen (markup) + 64);
  for (const char *p = markup; *p != '\0';)
    {
      const char *end;

      /* The address, escaped by sam_markdown_parse(), holds no quote. */
      if (g_str_has_prefix (p, "<a href=\"") && (end = strstr (p, "\">")) != NULL)
        {
          g_string_append (spans, span);
          p = end + 2;
        }
      else if (g_str_has_prefix (p, "</a>"))
        {
          g_string_append (spans, "</span>");
          p += 4;
        }
      else
        g_string_append_c (spans, *p++);
    }

  return g_string_free (spans, FALSE);
}

/**
 * sam_markdown_tail_parse_markup:
 * @self: a #SamMarkdownTail
 * @markup: markup from sam_markdown_parse()
 * @text: (out): its text
 * @attrs: (out): its attributes
 *
 * Parses @markup as @self shows it.
 *
 * Returns: whether @markup could be parsed
 */
gboolean
sam_markdown_tail_parse_markup (SamMarkdownTail *self,
                                const char      *markup,
                                char           **text,
                                PangoAttrList  **attrs)
{
  g_autofree char *pango_markup = links_as_spans (self, markup);
  g_autoptr (GError) error = NULL;

  if (!pango_parse_markup (pango_markup, -1, 0, attrs, text, NULL, &error))
    {
      g_warning ("Cannot show the text of a paragraph: %s", error->message);
      return FALSE;
    }

  return TRUE;
}

/* Adds the text and attributes of @markup at the end of @text and @attrs, offset by @offset. */
static void
append_markup (
    SamMarkdownTail *self, GString *text, GPtrArray *attrs, gsize offset, const char *markup)
{
  g_autoptr (PangoAttrList) list = NULL;
  g_autofree char *parsed = NULL;
  GSList          *attributes;

  if (!sam_markdown_tail_parse_markup (self, markup, &parsed, &list))
    return;

  attributes = pango_attr_list_get_attributes (list);
  for (GSList *l = attributes; l != NULL; l = l->next)
    {
      PangoAttribute *attr = l->data;

      attr->start_index += offset + text->len;
      attr->end_index += offset + text->len;
      g_ptr_array_add (attrs, attr);
    }
  g_slist_free (attributes);

  g_string_append (text, parsed);
}

/* Where the text from the settled part to @end first comes out differently in @rest and its
 * attributes @rest_attrs than in what is shown, as an offset in the whole text; @end if it
 * comes out the same. (pango_attr_list_equal() is wrong for lists of more than 32 attributes in
 * Pango 1.50.) */
static gsize
first_difference (SamMarkdownTail *self, GString *rest, GPtrArray *rest_attrs, gsize end)
{
  gsize length = MIN (end - self->settled_length, rest->len);
  gsize difference = self->settled_length;
  guint i = self->n_settled_attrs, j = 0;

  if (memcmp (self->text->str + difference, rest->str, length) == 0)
    difference += length;
  else
    while (self->text->str[difference] == rest->str[difference - self->settled_length])
      difference++;

  /* Attributes begin in order: the first pair that differs begins where it applies. */
  for (;; i++, j++)
    {
      PangoAttribute *x = i < self->attrs->len ? g_ptr_array_index (self->attrs, i) : NULL;
      PangoAttribute *y = j < rest_attrs->len ? g_ptr_array_index (rest_attrs, j) : NULL;

      if (x != NULL && x->start_index >= difference)
        x = NULL;
      if (y != NULL && y->start_index >= difference)
        y = NULL;
      if (x == NULL && y == NULL)
        return difference;
      if (x == NULL || y == NULL)
        return MIN (x != NULL ? x->start_index : y->start_index, difference);

      if (x->start_index != y->start_index ||
          MIN (x->end_index, difference) != MIN (y->end_index, difference) ||
          !pango_attribute_equal (x, y))
        return MIN (x->start_index, y->start_index);
    }
}

/* Where the word that begins at @start ends, with the space or line break after it. */
static gsize
first_word_end (SamMarkdownTail *self, gsize start)
{
  const char *word = self->text->str + start;
  gsize       length = self->text->len - start;
  const char *space = memchr (word, ' ', length);
  const char *line_break = memchr (word, '\n', length);

  if (space == NULL || (line_break != NULL && line_break < space))
    space = line_break;

  return space != NULL ? (gsize) (space + 1 - self->text->str) : self->text->len;
}

/* Drops the pieces after the one that holds @offset, where the text first changes before the
 * last piece: the one that holds it becomes the last, to be laid out again with the rest of the
 * text. A change in the first word of a piece may let that word fit at the end of the line
 * before it, so then the piece before is laid out again too. */
static void
drop_pieces_from (SamMarkdownTail *self, gsize offset)
{
  guint kept = 1;

  while (kept < self->pieces->len && g_array_index (self->pieces, Piece, kept).start <= offset)
    kept++;

  /* The text before @offset has not changed: the first word ends after it when it changed. */
  if (kept > 1 &&
      first_word_end (self, g_array_index (self->pieces, Piece, kept - 1).start) > offset)
    kept--;

  g_array_set_size (self->pieces, kept);
}

/* Shows @settled after the settled text, settled in turn, then @markup. */
static void
show_markup (SamMarkdownTail *self, const char *settled, const char *markup)
{
  g_autoptr (GString) rest = g_string_new (NULL);
  g_autoptr (GPtrArray) rest_attrs =
      g_ptr_array_new_with_free_func ((GDestroyNotify) pango_attribute_destroy);
  gsize settled_length = 0;
  guint n_settled = 0;

  if (settled != NULL)
    {
      append_markup (self, rest, rest_attrs, self->settled_length, settled);
      settled_length = rest->len;
      n_settled = rest_attrs->len;
    }
  append_markup (self, rest, rest_attrs, self->settled_length, markup);

  /* The pieces set aside stay while their text and its attributes are the same, and the first
   * word of the last piece too (it might now fit on the line before): those after the first
   * change are laid out again, from the line it is in. */
  if (self->pieces->len > 1)
    {
      gsize live_start = live_piece (self)->start;
      gsize end = first_word_end (self, live_start);

      if (end > self->settled_length)
        {
          gsize difference = first_difference (self, rest, rest_attrs, end);

          if (difference < end)
            drop_pieces_from (self, difference);
        }
    }

  g_string_truncate (self->text, self->settled_length);
  g_string_append_len (self->text, rest->str, rest->len);
  g_ptr_array_set_size (self->attrs, self->n_settled_attrs);
  g_ptr_array_extend_and_steal (self->attrs, g_steal_pointer (&rest_attrs));

  if (settled != NULL)
    {
      Part part = { self->settled_length, self->n_settled_attrs };

      g_array_append_val (self->parts, part);
      self->settled_length += settled_length;
      self->n_settled_attrs += n_settled;
    }

  g_free (self->markup);
  self->markup = g_strdup (markup);

  /* Laid out now, at the width it has, rather than when the frame asks for its size: the frame
   * that paints the change has enough to do. */
  if (self->pieces->len > 0)
    {
      set_piece_text (self, live_piece (self), self->text->len);
      set_finished_lines_aside (self);
    }

  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/**
 * sam_markdown_tail_set_markup:
 * @self: a #SamMarkdownTail
 * @markup: Pango markup
 *
 * Shows @markup in place of what was shown.
 */
void
sam_markdown_tail_set_markup (SamMarkdownTail *self, const char *markup)
{
  g_return_if_fail (SAM_IS_MARKDOWN_TAIL (self));

  if (markup == NULL)
    markup = "";

  /* The same text again, as when the block is finished: nothing to lay out. */
  if (self->settled_length == 0 && g_strcmp0 (self->markup, markup) == 0)
    return;

  self->settled_length = 0;
  self->n_settled_attrs = 0;
  g_array_set_size (self->parts, 0);
  show_markup (self, NULL, markup);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  self->text->str, -1);
}

/**
 * sam_markdown_tail_set_markup_after:
 * @self: a #SamMarkdownTail
 * @settled: (nullable): Pango markup of more settled text, or %NULL
 * @markup: Pango markup of the rest of the text
 *
 * Shows @markup after the text that is settled, in place of what was shown there. With
 * @settled, the text of @settled is shown first and settled in turn: it will not change, and
 * its markup is not parsed again. The cost of a change depends on the length of @markup only.
 */
void
sam_markdown_tail_set_markup_after (SamMarkdownTail *self, const char *settled, const char *markup)
{
  g_return_if_fail (SAM_IS_MARKDOWN_TAIL (self));

  if (markup == NULL)
    markup = "";

  if (settled == NULL && g_strcmp0 (self->markup, markup) == 0)
    return;

  show_markup (self, settled, markup);

  /* A screen reader is told of the text as it settles, not many times a second. */
  if (settled != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    self->text->str, -1);
}

/* How much of the text is settled, in bytes; for tests. */
gsize
sam_markdown_tail_get_settled_length (SamMarkdownTail *self)
{
  g_return_val_if_fail (SAM_IS_MARKDOWN_TAIL (self), 0);

  return self->settled_length;
}

/* The attributes of the text shown; for tests. */
PangoAttrList *
sam_markdown_tail_dup_attributes (SamMarkdownTail *self)
{
  g_return_val_if_fail (SAM_IS_MARKDOWN_TAIL (self), NULL);

  return slice_attributes (self, 0, self->text->len);
}

/* The text shown, without markup. */
const char *
sam_markdown_tail_get_text (SamMarkdownTail *self)
{
  g_return_val_if_fail (SAM_IS_MARKDOWN_TAIL (self), NULL);

  return self->text->str;
}

/* How many pieces the paragraph is laid out in; for tests. */
guint
sam_markdown_tail_get_n_pieces (SamMarkdownTail *self)
{
  g_return_val_if_fail (SAM_IS_MARKDOWN_TAIL (self), 0);

  return self->pieces->len;
}

/* Where each line shown begins in the text, in bytes, as laid out at the width last asked for;
 * for tests. */
GArray *
sam_markdown_tail_dup_line_starts (SamMarkdownTail *self)
{
  GArray *starts = g_array_new (FALSE, FALSE, sizeof (gsize));

  g_return_val_if_fail (SAM_IS_MARKDOWN_TAIL (self), starts);

  for (guint i = 0; i < self->pieces->len; i++)
    {
      Piece *piece = &g_array_index (self->pieces, Piece, i);

      for (GSList *l = pango_layout_get_lines_readonly (piece->layout); l != NULL; l = l->next)
        {
          gsize start = piece->start + ((PangoLayoutLine *) l->data)->start_index;

          g_array_append_val (starts, start);
        }
    }

  return starts;
}
