/* sam-markdown-view.c — shows Markdown as GTK widgets, cheaply extended while it streams.
 *
 * While a reply streams, the text only grows. Blocks before the last blank line (outside a
 * code fence) are finished: they are rendered once into widgets and kept. Only the tail, the
 * block being written, is parsed and rendered again on each update, so the cost of an update
 * does not grow with the length of the reply. When streaming ends, the whole text is parsed
 * once more so that blocks split across blank lines (loose lists) come out right.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sam-markdown-tail.h"
#include "sam-markdown-view.h"
#include "sam-markdown.h"

/* Space between blocks, in pixels. */
#define BLOCK_SPACING 12
/* How long the part of a paragraph or list parsed on each change may grow before its beginning
 * is settled, in bytes. */
#define SETTLE_LENGTH 1024
/* Paragraphs of a finished stream turned into labels per frame. */
#define TAILS_PER_FRAME 1

struct _SamMarkdownView
{
  GtkWidget parent_instance;

  GString *text;
  /* Where the finished blocks end in text, and the widgets rendered from them. */
  gsize      stable_end;
  GtkWidget *last_stable_child;
  /* A long paragraph or list being written is parsed from here on: the text before, back to
   * stable_end, is settled (see settle_tail()). When the text parsed on each change is
   * next to be settled, by its length. */
  gsize live_start;
  gsize settle_at;
  /* The number shown on the first item after live_start, when the block is a numbered list
   * with items settled; otherwise 0. */
  guint live_number;
  /* Counts widgets built, so tests can see that earlier blocks are not rendered again. */
  guint    n_rendered;
  gboolean streaming;

  /* The width last allocated, for measuring the height at an unknown width. */
  int width;
  /* The vertical adjustment of the scrollable we are in, while mapped; whether the last
   * snapshot left out blocks outside of what it shows. */
  GtkAdjustment *vadjustment;
  gboolean       culled;
  /* Turning the tails of a finished stream into labels, one a frame from the second frame on. */
  guint    convert_tick_id;
  gboolean convert_skip_frame;
  /* Where the pointer last moved over us, in the coordinates of the surface. */
  double pointer_x;
  double pointer_y;
};

G_DEFINE_FINAL_TYPE (SamMarkdownView, sam_markdown_view, GTK_TYPE_WIDGET)

static gboolean
restore_copy_icon_cb (gpointer data)
{
  GtkButton *button = data;

  gtk_button_set_icon_name (button, "edit-copy-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (button), _ ("Copy Code"));
  return G_SOURCE_REMOVE;
}

static void
copy_code_clicked_cb (GtkButton *button)
{
  const char *code = g_object_get_data (G_OBJECT (button), "sam-code");

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (button)), code);

  /* A moment of confirmation on the button itself, where the eyes already are. */
  gtk_button_set_icon_name (button, "object-select-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (button), _ ("Copied"));
  g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, 2, restore_copy_icon_cb, g_object_ref (button),
                              g_object_unref);
}

static GtkWidget *
create_label (const char *markup, const char *css_class)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_markup (GTK_LABEL (label), markup);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_set_focusable (label, FALSE);
  if (css_class)
    gtk_widget_add_css_class (label, css_class);

  return label;
}

static GtkWidget *
create_code_block (SamMarkdownBlock *block)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *language = gtk_label_new (block->language ? block->language : "");
  GtkWidget *copy = gtk_button_new_from_icon_name ("edit-copy-symbolic");
  GtkWidget *code = gtk_label_new (block->code);

  gtk_widget_add_css_class (box, "sam-code-block");
  gtk_widget_add_css_class (header, "sam-code-header");

  gtk_label_set_xalign (GTK_LABEL (language), 0.0);
  gtk_widget_set_hexpand (language, TRUE);
  gtk_widget_add_css_class (language, "dim-label");
  gtk_widget_add_css_class (language, "caption");
  gtk_box_append (GTK_BOX (header), language);

  gtk_widget_add_css_class (copy, "flat");
  gtk_widget_add_css_class (copy, "circular");
  gtk_widget_set_tooltip_text (copy, _ ("Copy Code"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (copy), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Copy Code"), -1);
  g_object_set_data_full (G_OBJECT (copy), "sam-code", g_strdup (block->code), g_free);
  g_signal_connect (copy, "clicked", G_CALLBACK (copy_code_clicked_cb), NULL);
  gtk_box_append (GTK_BOX (header), copy);

  gtk_label_set_xalign (GTK_LABEL (code), 0.0);
  gtk_label_set_wrap (GTK_LABEL (code), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (code), PANGO_WRAP_CHAR);
  gtk_label_set_selectable (GTK_LABEL (code), TRUE);
  gtk_widget_set_focusable (code, FALSE);
  /* As for block labels (see create_block_label): wrapped one character a line, a long
   * block's minimum width costs milliseconds to work out. */
  gtk_label_set_width_chars (GTK_LABEL (code), 10);
  gtk_label_set_max_width_chars (GTK_LABEL (code), 10);
  gtk_widget_add_css_class (code, "monospace");
  gtk_widget_add_css_class (code, "sam-code");

  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), code);
  g_object_set_data (G_OBJECT (box), "sam-code-language", language);
  g_object_set_data (G_OBJECT (box), "sam-code-copy", copy);
  g_object_set_data (G_OBJECT (box), "sam-code-label", code);

  return box;
}

/* Shows @block in a code block built by create_code_block(), as a code block being written
 * grows: its label gets the new text, and no widget is built. */
static void
update_code_block (GtkWidget *box, SamMarkdownBlock *block)
{
  GtkLabel *code = g_object_get_data (G_OBJECT (box), "sam-code-label");

  gtk_label_set_text (g_object_get_data (G_OBJECT (box), "sam-code-language"),
                      block->language ? block->language : "");
  g_object_set_data_full (g_object_get_data (G_OBJECT (box), "sam-code-copy"), "sam-code",
                          g_strdup (block->code), g_free);
  if (g_strcmp0 (gtk_label_get_text (code), block->code) != 0)
    gtk_label_set_text (code, block->code);
}

static GtkWidget *
create_table (SamMarkdownBlock *block)
{
  GtkWidget *grid = gtk_grid_new ();

  gtk_widget_add_css_class (grid, "sam-table");
  gtk_grid_set_column_spacing (GTK_GRID (grid), 18);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);

  for (guint i = 0; block->n_columns > 0 && i < block->cells->len; i++)
    {
      GtkWidget *cell = create_label (g_ptr_array_index (block->cells, i), NULL);

      gtk_grid_attach (GTK_GRID (grid), cell, i % block->n_columns, i / block->n_columns, 1, 1);
    }

  return grid;
}

/* A label for a block of its own, as wide as the view. The view never asks it for its width,
 * but GTK does before asking for its height at a width: a wrapped label's minimum width is
 * that of its text laid out at no width, one character a line with this wrap mode, which
 * costs several milliseconds for a long paragraph. A minimum and natural width of a few
 * characters makes that a layout of short lines; the label is still as wide as the view. */
static GtkWidget *
create_block_label (const char *markup, const char *css_class)
{
  GtkWidget *label = create_label (markup, css_class);

  gtk_label_set_width_chars (GTK_LABEL (label), 10);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 10);
  return label;
}

static GtkWidget *
create_block_widget (SamMarkdownBlock *block)
{
  static const char *heading_classes[] = { "title-2", "title-3", "title-4",
                                           "heading", "heading", "heading" };

  switch (block->kind)
    {
    case SAM_MARKDOWN_BLOCK_HEADING:
      return create_block_label (block->markup, heading_classes[CLAMP (block->level, 1, 6) - 1]);
    case SAM_MARKDOWN_BLOCK_QUOTE:
      return create_block_label (block->markup, "sam-quote");
    case SAM_MARKDOWN_BLOCK_CODE:
      return create_code_block (block);
    case SAM_MARKDOWN_BLOCK_TABLE:
      return create_table (block);
    case SAM_MARKDOWN_BLOCK_RULE:
      return gtk_separator_new (GTK_ORIENTATION_HORIZONTAL);
    case SAM_MARKDOWN_BLOCK_LIST:
    case SAM_MARKDOWN_BLOCK_PARAGRAPH:
    default:
      return create_block_label (block->markup, NULL);
    }
}

/* What a block widget shows, to tell whether it can show a block of the final text as it is. */
static char *
block_key (SamMarkdownBlock *block)
{
  switch (block->kind)
    {
    case SAM_MARKDOWN_BLOCK_CODE:
      return g_strconcat (block->language ? block->language : "", "\n", block->code, NULL);
    case SAM_MARKDOWN_BLOCK_TABLE:
      return NULL;
    case SAM_MARKDOWN_BLOCK_RULE:
      return g_strdup ("");
    case SAM_MARKDOWN_BLOCK_HEADING:
      return g_strdup_printf ("%u\n%s", block->level, block->markup);
    case SAM_MARKDOWN_BLOCK_PARAGRAPH:
    case SAM_MARKDOWN_BLOCK_QUOTE:
    case SAM_MARKDOWN_BLOCK_LIST:
    default:
      return g_strdup (block->markup);
    }
}

static void
set_block_data (GtkWidget *widget, SamMarkdownBlock *block)
{
  g_object_set_data (G_OBJECT (widget), "sam-block-kind", GUINT_TO_POINTER (block->kind + 1));
  g_object_set_data_full (G_OBJECT (widget), "sam-block-key", block_key (block), g_free);
}

static gboolean
widget_shows_block (GtkWidget *widget, SamMarkdownBlock *block)
{
  const char      *key = g_object_get_data (G_OBJECT (widget), "sam-block-key");
  g_autofree char *block_text = NULL;

  if (GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (widget), "sam-block-kind")) !=
          block->kind + 1 ||
      key == NULL)
    return FALSE;

  block_text = block_key (block);
  return g_strcmp0 (key, block_text) == 0;
}

/* Removes the widgets after the finished blocks: the tail, or everything when none is finished. */
static void
remove_tail (SamMarkdownView *self)
{
  GtkWidget *child = self->last_stable_child ? gtk_widget_get_next_sibling (self->last_stable_child)
                                             : gtk_widget_get_first_child (GTK_WIDGET (self));

  while (child != NULL)
    {
      GtkWidget *next = gtk_widget_get_next_sibling (child);

      gtk_widget_unparent (child);
      child = next;
    }
}

static void     stop_converting (SamMarkdownView *self);
static gboolean convert_one_tail (SamMarkdownView *self);

static void
clear (SamMarkdownView *self)
{
  stop_converting (self);
  self->stable_end = 0;
  self->live_start = 0;
  self->live_number = 0;
  self->settle_at = SETTLE_LENGTH;
  self->last_stable_child = NULL;
  remove_tail (self);
}

static gboolean
is_text_block (SamMarkdownBlock *block)
{
  return block->kind == SAM_MARKDOWN_BLOCK_PARAGRAPH || block->kind == SAM_MARKDOWN_BLOCK_LIST ||
         block->kind == SAM_MARKDOWN_BLOCK_QUOTE;
}

/* While a reply streams, paragraphs, lists and quotes are shown by SamMarkdownTail, which lays
 * its text out once for its width; a label would lay it out four times over to work out its
 * size, several milliseconds for a long paragraph. The finished reply is shown by labels. */
static GtkWidget *
create_streaming_block_widget (SamMarkdownBlock *block)
{
  GtkWidget *tail;

  if (!is_text_block (block))
    return create_block_widget (block);

  tail = sam_markdown_tail_new ();
  sam_markdown_tail_set_markup (SAM_MARKDOWN_TAIL (tail), block->markup);
  if (block->kind == SAM_MARKDOWN_BLOCK_QUOTE)
    gtk_widget_add_css_class (tail, "sam-quote");
  return tail;
}

/* Appends widgets for @blocks from the one at @first on. */
static void
render_blocks (SamMarkdownView *self, GPtrArray *blocks, guint first)
{
  for (guint i = first; i < blocks->len; i++)
    {
      SamMarkdownBlock *block = g_ptr_array_index (blocks, i);
      GtkWidget        *widget =
          self->streaming ? create_streaming_block_widget (block) : create_block_widget (block);

      set_block_data (widget, block);
      gtk_widget_insert_before (widget, GTK_WIDGET (self), NULL);
      self->n_rendered++;
    }
}

/* The widgets after the finished blocks: the block being written. */
static GtkWidget *
get_tail (SamMarkdownView *self)
{
  return self->last_stable_child ? gtk_widget_get_next_sibling (self->last_stable_child)
                                 : gtk_widget_get_first_child (GTK_WIDGET (self));
}

/* Shows @block in @tail, which showed a block of the same kind a moment ago, when it can: a
 * paragraph, list or quote gets new markup, a code block new text. */
static gboolean
update_in_place (GtkWidget *tail, SamMarkdownBlock *block)
{
  if (GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (tail), "sam-block-kind")) != block->kind + 1)
    return FALSE;

  if (is_text_block (block) && SAM_IS_MARKDOWN_TAIL (tail))
    sam_markdown_tail_set_markup (SAM_MARKDOWN_TAIL (tail), block->markup);
  else if (block->kind == SAM_MARKDOWN_BLOCK_CODE)
    update_code_block (tail, block);
  else
    return FALSE;

  set_block_data (tail, block);
  return TRUE;
}

/* Shows @blocks in place of the tail. The usual case is one paragraph shown by the tail a
 * moment ago: it only gets new markup, and no widget is built. */
static void
replace_tail (SamMarkdownView *self, GPtrArray *blocks)
{
  GtkWidget *tail = get_tail (self);

  if (blocks->len > 0 && tail != NULL && gtk_widget_get_next_sibling (tail) == NULL &&
      update_in_place (tail, g_ptr_array_index (blocks, 0)))
    {
      render_blocks (self, blocks, 1);
      return;
    }

  remove_tail (self);
  render_blocks (self, blocks, 0);
}

static void
render_range (SamMarkdownView *self, gsize start, gsize end)
{
  g_autoptr (GPtrArray) blocks = sam_markdown_parse (self->text->str + start, end - start);

  render_blocks (self, blocks, 0);
}

static gboolean
is_wrapped_text (GtkWidget *child)
{
  return SAM_IS_MARKDOWN_TAIL (child) ||
         (GTK_IS_LABEL (child) && gtk_label_get_wrap (GTK_LABEL (child)));
}

static GtkSizeRequestMode
sam_markdown_view_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

/* Blocks one above the other, as a vertical box would lay them out, with one difference: the
 * width of wrapped text is not asked for. Wrapped text fits any width, and the width of a
 * message is the width of the conversation; but asking a label for its minimum width lays its
 * text out with a line per word. While a reply streams its paragraph changes many times a
 * second, and each change goes up to the window working out its size again. */
static void
sam_markdown_view_measure (GtkWidget     *widget,
                           GtkOrientation orientation,
                           int            for_size,
                           int           *minimum,
                           int           *natural,
                           int           *minimum_baseline,
                           int           *natural_baseline)
{
  SamMarkdownView *self = SAM_MARKDOWN_VIEW (widget);
  guint            n_children = 0;

  *minimum = *natural = 0;

  /* The height at an unknown width, asked each time the window works out its size, is the
   * height at the width we have: measuring wrapped text at no width lays each paragraph out
   * again as one long line, and the block being written twice per update. */
  if (orientation == GTK_ORIENTATION_VERTICAL && for_size < 0 && self->width > 0)
    for_size = self->width;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      int child_min, child_nat;

      if (!gtk_widget_should_layout (child))
        continue;

      n_children++;
      if (orientation == GTK_ORIENTATION_HORIZONTAL)
        {
          if (is_wrapped_text (child))
            continue;

          gtk_widget_measure (child, orientation, -1, &child_min, &child_nat, NULL, NULL);
          *minimum = MAX (*minimum, child_min);
          *natural = MAX (*natural, child_nat);
        }
      else
        {
          gtk_widget_measure (child, orientation, for_size, &child_min, &child_nat, NULL, NULL);
          *minimum += child_min;
          *natural += child_nat;
        }
    }

  if (orientation == GTK_ORIENTATION_VERTICAL && n_children > 1)
    {
      *minimum += BLOCK_SPACING * (n_children - 1);
      *natural += BLOCK_SPACING * (n_children - 1);
    }
}

static void
sam_markdown_view_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  SamMarkdownView *self = SAM_MARKDOWN_VIEW (widget);
  int              y = 0;

  self->width = width;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      int child_min, child_nat;

      if (!gtk_widget_should_layout (child))
        continue;

      gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, width, &child_min, &child_nat, NULL,
                          NULL);
      gtk_widget_size_allocate (child, &(GtkAllocation){ 0, y, width, child_nat }, -1);
      y += child_nat + BLOCK_SPACING;
    }
}

/* What the scrollable we are in shows, in our coordinates; FALSE when not in one. */
static gboolean
get_visible_rect (SamMarkdownView *self, graphene_rect_t *visible)
{
  GtkWidget *scrollable;

  if (self->vadjustment == NULL)
    return FALSE;

  scrollable = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_SCROLLABLE);
  return scrollable != NULL && gtk_widget_compute_bounds (scrollable, GTK_WIDGET (self), visible);
}

/* A long reply is one row of the list, taller than the window: only the blocks on screen are
 * drawn, so drawing a frame costs the same at any length of the reply. */
static void
sam_markdown_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  SamMarkdownView *self = SAM_MARKDOWN_VIEW (widget);
  graphene_rect_t  visible;

  self->culled = FALSE;
  if (!get_visible_rect (self, &visible))
    {
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        gtk_widget_snapshot_child (widget, child, snapshot);
      return;
    }

  /* Blocks are laid out one below the other and do not overlap: going up from the last one,
   * as a reply being written is seen from its end, the blocks above the visible ones are not
   * even looked at. */
  for (GtkWidget *child = gtk_widget_get_last_child (widget); child != NULL;
       child = gtk_widget_get_prev_sibling (child))
    {
      graphene_rect_t bounds;

      if (!gtk_widget_compute_bounds (child, widget, &bounds))
        continue;

      if (bounds.origin.y + bounds.size.height < visible.origin.y)
        {
          self->culled = TRUE;
          break;
        }

      if (!graphene_rect_intersection (&bounds, &visible, NULL))
        {
          self->culled = TRUE;
          continue;
        }

      gtk_widget_snapshot_child (widget, child, snapshot);
    }
}

/* The blocks drawn depend on where the list is scrolled to. */
static void
vadjustment_changed_cb (SamMarkdownView *self)
{
  if (self->culled)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
sam_markdown_view_map (GtkWidget *widget)
{
  SamMarkdownView *self = SAM_MARKDOWN_VIEW (widget);
  GtkWidget       *scrollable;

  GTK_WIDGET_CLASS (sam_markdown_view_parent_class)->map (widget);

  scrollable = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLABLE);
  if (scrollable == NULL)
    return;

  g_set_object (&self->vadjustment, gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (scrollable)));
  if (self->vadjustment == NULL)
    return;

  g_signal_connect_object (self->vadjustment, "value-changed", G_CALLBACK (vadjustment_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->vadjustment, "changed", G_CALLBACK (vadjustment_changed_cb), self,
                           G_CONNECT_SWAPPED);
}

static void
sam_markdown_view_unmap (GtkWidget *widget)
{
  SamMarkdownView *self = SAM_MARKDOWN_VIEW (widget);

  if (self->vadjustment != NULL)
    g_signal_handlers_disconnect_by_data (self->vadjustment, self);
  g_clear_object (&self->vadjustment);

  /* Not drawn any more: what is left to turn into labels is done at once. */
  if (self->convert_tick_id != 0)
    {
      stop_converting (self);
      while (convert_one_tail (self))
        ;
    }

  GTK_WIDGET_CLASS (sam_markdown_view_parent_class)->unmap (widget);
}

static void
sam_markdown_view_dispose (GObject *object)
{
  SamMarkdownView *self = SAM_MARKDOWN_VIEW (object);

  clear (self);

  G_OBJECT_CLASS (sam_markdown_view_parent_class)->dispose (object);
}

static void
sam_markdown_view_finalize (GObject *object)
{
  SamMarkdownView *self = SAM_MARKDOWN_VIEW (object);

  g_string_free (self->text, TRUE);

  G_OBJECT_CLASS (sam_markdown_view_parent_class)->finalize (object);
}

static void
sam_markdown_view_class_init (SamMarkdownViewClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sam_markdown_view_dispose;
  object_class->finalize = sam_markdown_view_finalize;

  widget_class->get_request_mode = sam_markdown_view_get_request_mode;
  widget_class->measure = sam_markdown_view_measure;
  widget_class->size_allocate = sam_markdown_view_size_allocate;
  widget_class->snapshot = sam_markdown_view_snapshot;
  widget_class->map = sam_markdown_view_map;
  widget_class->unmap = sam_markdown_view_unmap;
  gtk_widget_class_set_css_name (widget_class, "markdown");
}

static void
motion_cb (GtkEventControllerMotion *controller, double x, double y, SamMarkdownView *self);

static void
sam_markdown_view_init (SamMarkdownView *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();

  self->text = g_string_new (NULL);

  g_signal_connect (motion, "enter", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
}

GtkWidget *
sam_markdown_view_new (void)
{
  return g_object_new (SAM_TYPE_MARKDOWN_VIEW, NULL);
}

const char *
sam_markdown_view_get_text (SamMarkdownView *self)
{
  g_return_val_if_fail (SAM_IS_MARKDOWN_VIEW (self), NULL);

  return self->text->str;
}

/* Replaces @tail, a SamMarkdownTail showing a finished block, with a selectable label that
 * shows the same block. */
static GtkWidget *
convert_tail (SamMarkdownView *self, GtkWidget *tail)
{
  guint      kind = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (tail), "sam-block-kind")) - 1;
  GtkWidget *label = create_block_label (g_object_get_data (G_OBJECT (tail), "sam-block-key"),
                                         kind == SAM_MARKDOWN_BLOCK_QUOTE ? "sam-quote" : NULL);

  g_object_set_data (G_OBJECT (label), "sam-block-kind", GUINT_TO_POINTER (kind + 1));
  g_object_set_data_full (G_OBJECT (label), "sam-block-key",
                          g_strdup (g_object_get_data (G_OBJECT (tail), "sam-block-key")), g_free);
  gtk_widget_insert_after (label, GTK_WIDGET (self), tail);
  if (self->last_stable_child == tail)
    self->last_stable_child = label;
  gtk_widget_unparent (tail);
  self->n_rendered++;

  return label;
}

/* Replaces one SamMarkdownTail, the one nearest the end, with a selectable label; FALSE when
 * there is none left. */
static gboolean
convert_one_tail (SamMarkdownView *self)
{
  for (GtkWidget *child = gtk_widget_get_last_child (GTK_WIDGET (self)); child != NULL;
       child = gtk_widget_get_prev_sibling (child))
    if (SAM_IS_MARKDOWN_TAIL (child))
      {
        convert_tail (self, child);
        return TRUE;
      }

  return FALSE;
}

static void
stop_converting (SamMarkdownView *self)
{
  if (self->convert_tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->convert_tick_id);
  self->convert_tick_id = 0;
}

static gboolean
convert_tick_cb (GtkWidget *widget, GdkFrameClock *frame_clock, gpointer user_data)
{
  SamMarkdownView *self = SAM_MARKDOWN_VIEW (widget);

  /* Not in the frame that shows the reply finished, which lays out what came out anew. */
  if (self->convert_skip_frame)
    {
      self->convert_skip_frame = FALSE;
      return G_SOURCE_CONTINUE;
    }

  /* A label is laid out about three times to find its size, about a millisecond for a long
   * paragraph: one a frame leaves the frame well within its time. */
  for (guint i = 0; i < TAILS_PER_FRAME; i++)
    if (!convert_one_tail (self))
      {
        self->convert_tick_id = 0;
        return G_SOURCE_REMOVE;
      }

  return G_SOURCE_CONTINUE;
}

/* The stream has ended and self->text holds the whole reply. It is parsed once more, as a
 * whole, and the widgets that already show its blocks are kept: only what comes out
 * differently (a list split across blank lines, the last block) is built again. Paragraphs
 * shown by SamMarkdownTail become selectable labels a few a frame, the last ones first, so
 * that the end of a long reply does not stop the window for as long as it takes to build
 * them all. */
static void
finish_stream (SamMarkdownView *self)
{
  g_autoptr (GPtrArray) blocks = sam_markdown_parse (self->text->str, self->text->len);
  GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self));
  guint      i = 0;

  while (i < blocks->len && child != NULL &&
         widget_shows_block (child, g_ptr_array_index (blocks, i)))
    {
      child = gtk_widget_get_next_sibling (child);
      i++;
    }

  self->stable_end = 0;
  self->last_stable_child =
      child ? gtk_widget_get_prev_sibling (child) : gtk_widget_get_last_child (GTK_WIDGET (self));
  remove_tail (self);
  self->last_stable_child = NULL;
  render_blocks (self, blocks, i);

  stop_converting (self);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->convert_skip_frame = TRUE;
      self->convert_tick_id =
          gtk_widget_add_tick_callback (GTK_WIDGET (self), convert_tick_cb, NULL, NULL);
    }
  else
    while (convert_one_tail (self))
      ;
}

/**
 * sam_markdown_view_make_selectable_at:
 * @self: a #SamMarkdownView
 * @y: a height in @self, where the pointer is
 *
 * While a reply streams, its finished paragraphs are shown by SamMarkdownTail, which cannot be
 * selected. The one at @y becomes a selectable label, as it would when the reply ends, so that
 * its text can be selected and copied while the rest is still being written. The paragraph
 * being written stays as it is.
 *
 * Returns: whether a paragraph at @y became selectable
 */
gboolean
sam_markdown_view_make_selectable_at (SamMarkdownView *self, double y)
{
  GtkWidget *child;

  g_return_val_if_fail (SAM_IS_MARKDOWN_VIEW (self), FALSE);

  /* Going up from the last finished block: the blocks below @y are passed over, and the walk
   * ends at the first one above it. */
  child = self->streaming ? self->last_stable_child : gtk_widget_get_last_child (GTK_WIDGET (self));
  for (; child != NULL; child = gtk_widget_get_prev_sibling (child))
    {
      graphene_rect_t bounds;

      if (!gtk_widget_compute_bounds (child, GTK_WIDGET (self), &bounds) ||
          y >= bounds.origin.y + bounds.size.height)
        break;

      if (y < bounds.origin.y)
        continue;

      if (!SAM_IS_MARKDOWN_TAIL (child))
        return FALSE;

      convert_tail (self, child);
      return TRUE;
    }

  return FALSE;
}

static void
motion_cb (GtkEventControllerMotion *controller, double x, double y, SamMarkdownView *self)
{
  GdkEvent *event = gtk_event_controller_get_current_event (GTK_EVENT_CONTROLLER (controller));
  double    surface_x, surface_y;

  /* Only when the pointer itself moves, not when a reply being written moves the text under a
   * pointer at rest: a paragraph passing under it need not become a label then. */
  if (event != NULL && gdk_event_get_position (event, &surface_x, &surface_y))
    {
      if (surface_x == self->pointer_x && surface_y == self->pointer_y)
        return;
      self->pointer_x = surface_x;
      self->pointer_y = surface_y;
    }

  sam_markdown_view_make_selectable_at (self, y);
}

/**
 * sam_markdown_view_set_text:
 * @self: a #SamMarkdownView
 * @text: the Markdown to show
 *
 * Shows @text, finished: it is parsed and rendered as a whole.
 */
void
sam_markdown_view_set_text (SamMarkdownView *self, const char *text)
{
  g_return_if_fail (SAM_IS_MARKDOWN_VIEW (self));

  if (text == NULL)
    text = "";

  /* Nothing new: the common case when a row is bound again to the same message. */
  if (!self->streaming && g_str_equal (text, self->text->str))
    return;

  g_string_assign (self->text, text);
  if (self->streaming)
    {
      self->streaming = FALSE;
      finish_stream (self);
      return;
    }

  clear (self);
  render_range (self, 0, self->text->len);
}

/* The tail, when it is one paragraph or list shown by SamMarkdownTail, and its kind. */
static SamMarkdownTail *
get_settling_tail (SamMarkdownView *self, SamMarkdownBlockKind *kind)
{
  GtkWidget *tail = get_tail (self);
  guint      data;

  if (tail == NULL || gtk_widget_get_next_sibling (tail) != NULL || !SAM_IS_MARKDOWN_TAIL (tail))
    return NULL;

  data = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (tail), "sam-block-kind"));
  if (data != SAM_MARKDOWN_BLOCK_PARAGRAPH + 1 && data != SAM_MARKDOWN_BLOCK_LIST + 1)
    return NULL;

  *kind = data - 1;
  return SAM_MARKDOWN_TAIL (tail);
}

/* Parses the text from @start on, a numbered list in it counted from @number (0 for as
 * written), and returns its markup when it is one block of @kind. */
static char *
parse_block (SamMarkdownView *self, gsize start, guint number, SamMarkdownBlockKind kind)
{
  g_autoptr (GPtrArray) blocks =
      sam_markdown_parse_numbered (self->text->str + start, self->text->len - start, number);
  SamMarkdownBlock *block = blocks->len == 1 ? g_ptr_array_index (blocks, 0) : NULL;

  if (block == NULL || block->kind != kind)
    return NULL;

  return g_steal_pointer (&block->markup);
}

/* Once the part of a paragraph or list parsed on each change grows past SETTLE_LENGTH,
 * its beginning is settled when it comes out the same however the block goes on: a paragraph
 * up to a word when nothing in it is left open for later text to close, a list up to its last
 * item. The tail keeps it, and from then on only the rest is parsed. So the cost of a change
 * does not grow with the length of the block. */
static void
settle_tail (SamMarkdownView *self)
{
  SamMarkdownBlockKind kind;
  SamMarkdownTail     *tail = get_settling_tail (self, &kind);
  g_autofree char     *settled = NULL;
  g_autofree char     *rest = NULL;
  const char          *text = self->text->str + self->live_start;
  gsize                length = self->text->len - self->live_start;
  guint                number = self->live_number;
  gsize                cut;

  if (tail == NULL || length < self->settle_at)
    return;

  /* Tried again only once the text has grown as much again, whatever comes of it. */
  self->settle_at = length + SETTLE_LENGTH;

  cut = kind == SAM_MARKDOWN_BLOCK_LIST ? sam_markdown_settle_list (text, length, &number, &settled)
                                        : sam_markdown_settle_paragraph (text, length, &settled);
  if (cut == 0 || (rest = parse_block (self, self->live_start + cut, number, kind)) == NULL)
    return;

  sam_markdown_tail_set_markup_after (tail, settled, rest);
  self->live_start += cut;
  self->live_number = number;
  self->settle_at = SETTLE_LENGTH;
}

/* Shows the block being written when part of it is settled: only the rest is parsed. */
static gboolean
stream_settled_tail (SamMarkdownView *self)
{
  SamMarkdownBlockKind kind;
  SamMarkdownTail     *tail = get_settling_tail (self, &kind);
  g_autofree char     *rest = NULL;

  if (tail == NULL ||
      (rest = parse_block (self, self->live_start, self->live_number, kind)) == NULL)
    return FALSE;

  sam_markdown_tail_set_markup_after (tail, NULL, rest);
  return TRUE;
}

/**
 * sam_markdown_view_stream:
 * @self: a #SamMarkdownView
 * @text: the Markdown written so far
 *
 * Shows @text while it is still being written. Between calls @text may only grow: what was
 * shown before must be its prefix. Only the new bytes are scanned, the finished blocks are
 * kept, and the block being written is rendered again; of a long paragraph or list being
 * written, only the part after its settled beginning.
 */
void
sam_markdown_view_stream (SamMarkdownView *self, const char *text)
{
  g_autoptr (GPtrArray) blocks = NULL;
  gsize stable_end;

  g_return_if_fail (SAM_IS_MARKDOWN_VIEW (self));

  if (text == NULL)
    text = "";

  if (!self->streaming)
    {
      g_string_truncate (self->text, 0);
      self->streaming = TRUE;
      clear (self);
    }

  g_string_append (self->text, text + self->text->len);

  stable_end = sam_markdown_stable_end (self->text->str, self->text->len, self->stable_end);
  if (stable_end > self->stable_end)
    {
      /* Blocks just finished take the place of the tail that showed them being written. */
      g_autoptr (GPtrArray) finished =
          sam_markdown_parse (self->text->str + self->stable_end, stable_end - self->stable_end);

      replace_tail (self, finished);
      self->last_stable_child = gtk_widget_get_last_child (GTK_WIDGET (self));
      self->stable_end = stable_end;
      self->live_start = stable_end;
      self->live_number = 0;
      self->settle_at = SETTLE_LENGTH;
    }

  /* Then the block being written, parsed again: only it, however long the reply; and of a
   * long paragraph or list, only what is not settled. When what follows the settled part is
   * not of the same kind after all (a paragraph became a heading, say), the block is parsed
   * whole again. */
  if (self->live_start > self->stable_end && stream_settled_tail (self))
    {
      settle_tail (self);
      return;
    }

  self->live_start = self->stable_end;
  self->live_number = 0;
  blocks =
      sam_markdown_parse (self->text->str + self->stable_end, self->text->len - self->stable_end);
  replace_tail (self, blocks);
  settle_tail (self);
}

/* How many block widgets this view has built in its life. */
guint
sam_markdown_view_get_n_rendered (SamMarkdownView *self)
{
  g_return_val_if_fail (SAM_IS_MARKDOWN_VIEW (self), 0);

  return self->n_rendered;
}
