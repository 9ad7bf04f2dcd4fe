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

struct _SamMarkdownTail
{
  GtkWidget parent_instance;

  char          *markup;
  char          *text;
  PangoAttrList *attrs;
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

/* The attributes of the text from @start to @end, for a layout of that text alone. */
static PangoAttrList *
slice_attributes (PangoAttrList *attrs, gsize start, gsize end)
{
  PangoAttrList *slice = pango_attr_list_new ();
  GSList        *list = pango_attr_list_get_attributes (attrs);

  for (GSList *l = list; l != NULL; l = l->next)
    {
      PangoAttribute *attr = l->data;
      gsize           attr_start = MAX (attr->start_index, start);
      gsize           attr_end = MIN (attr->end_index, end);

      if (attr_start >= attr_end)
        {
          pango_attribute_destroy (attr);
          continue;
        }

      attr->start_index = attr_start - start;
      attr->end_index = attr_end - start;
      pango_attr_list_insert (slice, attr);
    }
  g_slist_free (list);

  return slice;
}

/* Gives @piece the paragraph's text from its start to @end. */
static void
set_piece_text (SamMarkdownTail *self, Piece *piece, gsize end)
{
  g_autoptr (PangoAttrList) attrs = slice_attributes (self->attrs, piece->start, end);

  pango_layout_set_attributes (piece->layout, attrs);
  pango_layout_set_text (piece->layout, self->text + piece->start, end - piece->start);
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
  end = split > live->start && self->text[split - 1] == '\n' ? split - 1 : split;

  set_piece_text (self, live, end);
  live = add_piece (self, split);
  set_piece_text (self, live, strlen (self->text));
}

/* Lays the whole paragraph out again in one piece. */
static void
lay_out_whole (SamMarkdownTail *self)
{
  g_array_set_size (self->pieces, 0);
  set_piece_text (self, add_piece (self, 0), strlen (self->text));
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
  g_free (self->markup);
  g_free (self->text);
  pango_attr_list_unref (self->attrs);

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
  self->text = g_strdup ("");
  self->attrs = pango_attr_list_new ();
  self->width = -2;
}

GtkWidget *
sam_markdown_tail_new (void)
{
  return g_object_new (SAM_TYPE_MARKDOWN_TAIL, NULL);
}

/* The attributes that apply before @end, in order. */
static GSList *
attributes_before (PangoAttrList *attrs, gsize end)
{
  GSList *list = pango_attr_list_get_attributes (attrs), *before = NULL;

  for (GSList *l = list; l != NULL; l = l->next)
    {
      PangoAttribute *attr = l->data;

      if (attr->start_index < end)
        {
          attr->end_index = MIN (attr->end_index, end);
          before = g_slist_prepend (before, attr);
        }
      else
        pango_attribute_destroy (attr);
    }
  g_slist_free (list);

  return g_slist_reverse (before);
}

/* Whether the text before @end came out the same in @text and @attrs as in what is shown.
 * (pango_attr_list_equal() is wrong for lists of more than 32 attributes in Pango 1.50.) */
static gboolean
same_before (SamMarkdownTail *self, const char *text, PangoAttrList *attrs, gsize end)
{
  GSList  *shown, *now, *a, *b;
  gboolean same;

  if (strlen (text) < end || memcmp (self->text, text, end) != 0)
    return FALSE;

  shown = attributes_before (self->attrs, end);
  now = attributes_before (attrs, end);
  for (a = shown, b = now; a != NULL && b != NULL; a = a->next, b = b->next)
    {
      PangoAttribute *x = a->data, *y = b->data;

      if (x->start_index != y->start_index || x->end_index != y->end_index ||
          !pango_attribute_equal (x, y))
        break;
    }
  same = a == NULL && b == NULL;

  g_slist_free_full (shown, (GDestroyNotify) pango_attribute_destroy);
  g_slist_free_full (now, (GDestroyNotify) pango_attribute_destroy);
  return same;
}

/* Shows @markup (Pango markup) in place of what was shown. */
void
sam_markdown_tail_set_markup (SamMarkdownTail *self, const char *markup)
{
  g_autoptr (GError) error = NULL;
  PangoAttrList *attrs = NULL;
  char          *text = NULL;
  gsize          live_start;

  g_return_if_fail (SAM_IS_MARKDOWN_TAIL (self));

  if (markup == NULL)
    markup = "";

  /* The same text again, as when the block is finished: nothing to lay out. */
  if (g_strcmp0 (self->markup, markup) == 0)
    return;

  g_free (self->markup);
  self->markup = g_strdup (markup);

  if (!pango_parse_markup (markup, -1, 0, &attrs, &text, NULL, &error))
    {
      g_warning ("Cannot show the text of a paragraph: %s", error->message);
      text = g_strdup ("");
      attrs = pango_attr_list_new ();
    }

  /* The pieces set aside stay when their text and its attributes are the same. */
  live_start = self->pieces->len > 1 ? live_piece (self)->start : 0;
  if (live_start > 0 && !same_before (self, text, attrs, live_start))
    g_array_set_size (self->pieces, 0);

  g_free (self->text);
  self->text = text;
  pango_attr_list_unref (self->attrs);
  self->attrs = attrs;

  if (self->pieces->len > 0)
    set_piece_text (self, live_piece (self), strlen (self->text));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, self->text,
                                  -1);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/* The text shown, without markup. */
const char *
sam_markdown_tail_get_text (SamMarkdownTail *self)
{
  g_return_val_if_fail (SAM_IS_MARKDOWN_TAIL (self), NULL);

  return self->text;
}

/* How many pieces the paragraph is laid out in; for tests. */
guint
sam_markdown_tail_get_n_pieces (SamMarkdownTail *self)
{
  g_return_val_if_fail (SAM_IS_MARKDOWN_TAIL (self), 0);

  return self->pieces->len;
}
