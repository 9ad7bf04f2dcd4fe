/* sam-markdown-tail.c — the paragraph a streaming reply is writing, laid out once per change.
 *
 * A wrapped GtkLabel lays its text out several times for each change: at no width and at its
 * natural width when asked for its width, at the width it is given when asked for its height,
 * and once more when it is allocated. For the paragraph a reply is writing, which changes many
 * times a second, that is most of the cost of an update. This widget keeps one layout and lays
 * it out again only when its text or its width changes; it is only shown while the reply
 * streams, and the finished text is shown by labels again.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sam-markdown-tail.h"

struct _SamMarkdownTail
{
  GtkWidget parent_instance;

  PangoLayout *layout;
  char        *markup;
  /* The width the layout is laid out for, in pixels; -1 for none. */
  int width;
};

G_DEFINE_FINAL_TYPE (SamMarkdownTail, sam_markdown_tail, GTK_TYPE_WIDGET)

static void
set_layout_width (SamMarkdownTail *self, int width)
{
  if (self->width == width)
    return;

  self->width = width;
  pango_layout_set_width (self->layout, width < 0 ? -1 : width * PANGO_SCALE);
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
  int              height;

  /* Wrapped text fits any width; its width is the width of the message. */
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = *natural = 0;
      return;
    }

  set_layout_width (self, for_size);
  pango_layout_get_pixel_size (self->layout, NULL, &height);
  *minimum = *natural = height;
}

static void
sam_markdown_tail_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  set_layout_width (SAM_MARKDOWN_TAIL (widget), width);
}

static void
sam_markdown_tail_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  SamMarkdownTail *self = SAM_MARKDOWN_TAIL (widget);
  GdkRGBA          color;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  G_GNUC_END_IGNORE_DEPRECATIONS

  set_layout_width (self, gtk_widget_get_width (widget));
  gtk_snapshot_append_layout (snapshot, self->layout, &color);
}

static void
sam_markdown_tail_dispose (GObject *object)
{
  SamMarkdownTail *self = SAM_MARKDOWN_TAIL (object);

  g_clear_object (&self->layout);
  g_clear_pointer (&self->markup, g_free);

  G_OBJECT_CLASS (sam_markdown_tail_parent_class)->dispose (object);
}

static void
sam_markdown_tail_class_init (SamMarkdownTailClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sam_markdown_tail_dispose;

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
  /* The layout uses the widget's own Pango context, which GTK changes when the font from CSS
   * changes; the layout sees that and lays its text out again. Any other change of style, such
   * as a new block after this one (:last-child), lays nothing out again. */
  self->layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  pango_layout_set_wrap (self->layout, PANGO_WRAP_WORD_CHAR);
  self->width = -2;
}

GtkWidget *
sam_markdown_tail_new (void)
{
  return g_object_new (SAM_TYPE_MARKDOWN_TAIL, NULL);
}

/* Shows @markup (Pango markup) in place of what was shown. */
void
sam_markdown_tail_set_markup (SamMarkdownTail *self, const char *markup)
{
  g_return_if_fail (SAM_IS_MARKDOWN_TAIL (self));

  if (markup == NULL)
    markup = "";

  /* The same text again, as when the block is finished: nothing to lay out. */
  if (g_strcmp0 (self->markup, markup) == 0)
    return;

  g_free (self->markup);
  self->markup = g_strdup (markup);
  pango_layout_set_markup (self->layout, markup, -1);
  self->width = -2;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  pango_layout_get_text (self->layout), -1);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/* The text shown, without markup. */
const char *
sam_markdown_tail_get_text (SamMarkdownTail *self)
{
  g_return_val_if_fail (SAM_IS_MARKDOWN_TAIL (self), NULL);

  return pango_layout_get_text (self->layout);
}
