/* sam-chat-view.c — the conversation view: messages, composer and the AI label.
 *
 * Messages are shown by a GtkListView, so only the rows on screen exist however long the
 * conversation is. The view sticks to the bottom while a reply streams, and lets go as soon as
 * the user scrolls up; a button brings them back.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "companion/sam-crisis-resources.h"
#include "sam-chat-view.h"
#include "sam-crisis-banner.h"
#include "sam-message-row.h"
#include "store/sam-message-list.h"

/* How close to the end counts as "at the bottom", in pixels. */
#define STICK_DISTANCE      48
#define DRAFT_SAVE_DELAY_MS 500
/* GtkListView builds rows for up to a couple of hundred items around what it shows. A long
 * conversation is therefore shown as a window over its latest messages, which grows by a page
 * when the user scrolls near its top: opening costs the same at any length. */
#define WINDOW_PAGE      40
#define REMINDER_SECONDS 20

struct _SamChatView
{
  GtkWidget parent_instance;

  SamChat           *chat;
  GtkNoSelection    *selection;
  GtkSliceListModel *window;
  guint              window_size;
  GPtrArray         *bound_items;

  gboolean sticky;
  gboolean scroll_pending;
  /* The frame clock's layout signal, connected while realized. */
  GdkFrameClock *frame_clock;
  gulong         layout_handler_id;
  guint          reminder_timeout_id;
  char          *companion_name; /* NULL: Samantha, as the template says */
  gboolean       scrolling;
  guint          draft_timeout_id;

  /* Template widgets */
  GtkWidget         *main_box;
  GtkRevealer       *banner_revealer;
  GtkStack          *list_stack;
  GtkWidget         *empty_page;
  GtkScrolledWindow *scroller;
  GtkListView       *list_view;
  GtkWidget         *jump_button;
  GtkTextView       *text_view;
  GtkStack          *send_stack;
  GtkWidget         *send_button;
  GtkWidget         *stop_button;
  GtkWidget         *ai_label;
};

G_DEFINE_FINAL_TYPE (SamChatView, sam_chat_view, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_CHAT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_toast (SamChatView *self, const char *title)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (title));
}

static void
show_error (SamChatView *self, const GError *error)
{
  show_toast (self, error->message);
}

static GListModel *
get_messages (SamChatView *self)
{
  return gtk_slice_list_model_get_model (self->window);
}

/* Keeps the window over the latest window_size messages. */
static void
update_window (SamChatView *self)
{
  GListModel *messages = get_messages (self);
  guint       n_items = messages ? g_list_model_get_n_items (messages) : 0;

  gtk_slice_list_model_set_size (self->window, self->window_size);
  gtk_slice_list_model_set_offset (self->window,
                                   n_items > self->window_size ? n_items - self->window_size : 0);
}

static void
grow_window (SamChatView *self, guint size)
{
  if (size <= self->window_size)
    return;

  self->window_size = size;
  update_window (self);
}

static void
messages_changed_cb (
    SamChatView *self, guint position, guint removed, guint added, GListModel *messages)
{
  /* A new message keeps the window on the latest ones. */
  grow_window (self, self->window_size + added - MIN (added, removed));
  update_window (self);
}

static GtkAdjustment *
get_vadjustment (SamChatView *self)
{
  return gtk_scrolled_window_get_vadjustment (self->scroller);
}

/* Runs in every layout of the window, after the window has allocated its widgets: the list
 * knows the real end by then. Setting the value here makes the list lay itself out again in
 * the same frame, before it is painted, so a frame is painted once and at the end; scrolling
 * after the paint would paint every frame twice. */
static void
frame_clock_layout_cb (GdkFrameClock *frame_clock, SamChatView *self)
{
  GtkAdjustment *adjustment = get_vadjustment (self);
  double         end;

  if (!self->scroll_pending)
    return;

  self->scroll_pending = FALSE;
  if (g_list_model_get_n_items (G_LIST_MODEL (self->selection)) == 0)
    return;

  /* The list only estimates the height of rows it has not measured, so the end may still
   * move: the adjustment's changed signal brings us here again until it holds. */
  end = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);
  if (gtk_adjustment_get_value (adjustment) == end)
    return;

  self->scrolling = TRUE;
  gtk_adjustment_set_value (adjustment, end);
  self->scrolling = FALSE;
}

/* Goes to the end once this frame is laid out; many requests in one frame make one scroll. */
static void
scroll_to_bottom (SamChatView *self)
{
  GdkFrameClock *frame_clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

  if (frame_clock == NULL)
    return;

  self->scroll_pending = TRUE;
  gdk_frame_clock_request_phase (frame_clock, GDK_FRAME_CLOCK_PHASE_LAYOUT);
}

static void
set_sticky (SamChatView *self, gboolean sticky)
{
  self->sticky = sticky;
  gtk_widget_set_visible (self->jump_button, !sticky);
}

static void
vadjustment_changed_cb (SamChatView *self, GtkAdjustment *adjustment)
{
  /* Scrolled to the end, the list keeps the end of its last row at the bottom as the row
   * grows: only a list that is not at its end needs to be taken there, in a second layout. */
  if (self->sticky &&
      gtk_adjustment_get_value (adjustment) !=
          gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment))
    scroll_to_bottom (self);
}

static void
vadjustment_value_changed_cb (SamChatView *self, GtkAdjustment *adjustment)
{
  double distance;

  if (self->scrolling)
    return;

  distance = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment) -
             gtk_adjustment_get_value (adjustment);

  /* The list moves the value by itself while it measures rows, so only the user's own scroll
   * lets go of the bottom (see user_scrolled_cb); reaching the bottom again sticks to it. */
  if (distance <= STICK_DISTANCE)
    set_sticky (self, TRUE);
  else if (self->sticky)
    scroll_to_bottom (self);

  /* Near the top of the window: show a page of older messages. */
  if (gtk_adjustment_get_value (adjustment) < gtk_adjustment_get_page_size (adjustment) &&
      gtk_slice_list_model_get_offset (self->window) > 0)
    grow_window (self, self->window_size + WINDOW_PAGE);
}

static gboolean
user_scrolled_cb (SamChatView *self, double dx, double dy, GtkEventControllerScroll *controller)
{
  if (dy < 0)
    set_sticky (self, FALSE);

  return FALSE;
}

static void
scrollbar_drag_begin_cb (SamChatView *self, double x, double y, GtkGestureDrag *gesture)
{
  set_sticky (self, FALSE);
}

static gboolean
message_is_last_of_its_kind (GListModel *model, guint position)
{
  guint n_items = g_list_model_get_n_items (model);
  g_autoptr (SamMessage) message = NULL;
  g_autoptr (SamMessage) last = NULL;

  if (n_items == 0 || position >= n_items)
    return FALSE;

  if (position == n_items - 1)
    return TRUE;

  if (position + 2 != n_items)
    return FALSE;

  /* The last user message sits just above the reply to it. */
  message = g_list_model_get_item (model, position);
  last = g_list_model_get_item (model, n_items - 1);
  return sam_message_get_role (message) == SAM_MESSAGE_ROLE_USER &&
         sam_message_get_role (last) != SAM_MESSAGE_ROLE_USER;
}

static void
update_list_item (SamChatView *self, GtkListItem *list_item)
{
  GtkWidget *row = gtk_list_item_get_child (list_item);
  guint      position = gtk_list_item_get_position (list_item);

  if (row == NULL || position == GTK_INVALID_LIST_POSITION)
    return;

  sam_message_row_set_is_last (
      SAM_MESSAGE_ROW (row),
      message_is_last_of_its_kind (G_LIST_MODEL (self->selection), position));
}

static void
items_changed_cb (SamChatView *self, guint position, guint removed, guint added, GListModel *model)
{
  gtk_stack_set_visible_child_name (self->list_stack,
                                    g_list_model_get_n_items (model) ? "messages" : "empty");

  /* Only the rows on screen are bound; which of them is last may have changed. */
  for (guint i = 0; i < self->bound_items->len; i++)
    update_list_item (self, g_ptr_array_index (self->bound_items, i));
}

static void
setup_row_cb (GtkSignalListItemFactory *factory, GtkListItem *list_item, SamChatView *self)
{
  gtk_list_item_set_activatable (list_item, FALSE);
  gtk_list_item_set_child (list_item, sam_message_row_new ());
}

static void
bind_row_cb (GtkSignalListItemFactory *factory, GtkListItem *list_item, SamChatView *self)
{
  GtkWidget *row = gtk_list_item_get_child (list_item);

  sam_message_row_set_message (SAM_MESSAGE_ROW (row), gtk_list_item_get_item (list_item));
  g_ptr_array_add (self->bound_items, list_item);
  update_list_item (self, list_item);
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory, GtkListItem *list_item, SamChatView *self)
{
  GtkWidget *row = gtk_list_item_get_child (list_item);

  g_ptr_array_remove_fast (self->bound_items, list_item);
  sam_message_row_set_message (SAM_MESSAGE_ROW (row), NULL);
}

static char *
get_composer_text (SamChatView *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter    start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
save_draft (SamChatView *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  g_clear_handle_id (&self->draft_timeout_id, g_source_remove);

  if (self->chat == NULL)
    return;

  text = get_composer_text (self);
  if (g_strcmp0 (text, sam_conversation_get_draft (sam_chat_get_conversation (self->chat))) == 0)
    return;

  if (!sam_store_set_conversation_draft (sam_chat_get_store (self->chat),
                                         sam_chat_get_conversation (self->chat), text, &error))
    g_warning ("Could not save the draft: %s", error->message);
}

static gboolean
save_draft_cb (gpointer data)
{
  SamChatView *self = data;

  self->draft_timeout_id = 0;
  save_draft (self);
  return G_SOURCE_REMOVE;
}

static void
buffer_changed_cb (SamChatView *self, GtkTextBuffer *buffer)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.send",
                                 self->chat != NULL && !sam_chat_get_busy (self->chat) &&
                                     gtk_text_buffer_get_char_count (buffer) > 0);

  g_clear_handle_id (&self->draft_timeout_id, g_source_remove);
  self->draft_timeout_id = g_timeout_add (DRAFT_SAVE_DELAY_MS, save_draft_cb, self);
}

static void
update_busy (SamChatView *self)
{
  gboolean busy = self->chat != NULL && sam_chat_get_busy (self->chat);

  gtk_stack_set_visible_child (self->send_stack, busy ? self->stop_button : self->send_button);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.stop", busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.regenerate", self->chat != NULL && !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.retry", self->chat != NULL && !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.edit-last", self->chat != NULL && !busy);
  buffer_changed_cb (self, gtk_text_view_get_buffer (self->text_view));
}

/* Real help, from the app itself and at once, above the conversation for the rest of it. */
static void
show_crisis_banner (SamChatView *self)
{
  g_autofree char *country = sam_crisis_country_from_environment ();
  GtkWidget       *banner;

  if (gtk_revealer_get_child (self->banner_revealer) != NULL)
    return;

  banner = sam_crisis_banner_new ();
  sam_crisis_banner_set_country (SAM_CRISIS_BANNER (banner), country);
  sam_chat_view_set_banner (self, banner);
}

static void
chat_crisis_cb (SamChatView *self, const char *kind, SamChat *chat)
{
  show_crisis_banner (self);
}

static gboolean
restore_ai_label_cb (gpointer data)
{
  SamChatView *self = data;

  self->reminder_timeout_id = 0;
  if (self->companion_name)
    {
      /* Translators: %s is the name the user gave their companion. */
      g_autofree char *text =
          g_strdup_printf (_ ("%s is an AI, not a person. It can be wrong."), self->companion_name);

      gtk_label_set_text (GTK_LABEL (self->ai_label), text);
    }
  else
    gtk_label_set_text (GTK_LABEL (self->ai_label),
                        _ ("Samantha is an AI, not a person. It can be wrong."));
  gtk_widget_remove_css_class (self->ai_label, "sam-reminder");
  return G_SOURCE_REMOVE;
}

/* A reminder takes the place of the AI label under the composer for a while, where the eyes
 * are when typing; it takes no focus and needs no dismissing. */
static void
chat_reminder_cb (SamChatView *self, const char *text, SamChat *chat)
{
  gtk_label_set_text (GTK_LABEL (self->ai_label), text);
  gtk_widget_add_css_class (self->ai_label, "sam-reminder");

  g_clear_handle_id (&self->reminder_timeout_id, g_source_remove);
  self->reminder_timeout_id = g_timeout_add_seconds (REMINDER_SECONDS, restore_ai_label_cb, self);
}

static void
chat_busy_changed_cb (SamChatView *self, GParamSpec *pspec, SamChat *chat)
{
  update_busy (self);
}

static void
send_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamChatView *self = SAM_CHAT_VIEW (widget);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = get_composer_text (self);

  if (self->chat == NULL || sam_chat_get_busy (self->chat))
    return;

  g_strstrip (text);
  if (*text == '\0')
    return;

  set_sticky (self, TRUE);

  if (!sam_chat_send (self->chat, text, &error))
    {
      show_error (self, error);
      return;
    }

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), "", 0);
  save_draft (self);
  scroll_to_bottom (self);
}

static void
stop_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamChatView *self = SAM_CHAT_VIEW (widget);

  if (self->chat != NULL)
    sam_chat_stop (self->chat);
}

static void
regenerate_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamChatView *self = SAM_CHAT_VIEW (widget);
  g_autoptr (GError) error = NULL;

  if (self->chat == NULL)
    return;

  set_sticky (self, TRUE);
  if (!sam_chat_regenerate (self->chat, &error))
    show_error (self, error);
}

static void
edit_last_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamChatView *self = SAM_CHAT_VIEW (widget);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  GtkTextBuffer   *buffer = gtk_text_view_get_buffer (self->text_view);

  if (self->chat == NULL)
    return;

  if (!(text = sam_chat_take_last_user_message (self->chat, &error)))
    {
      if (error != NULL)
        show_error (self, error);
      return;
    }

  gtk_text_buffer_set_text (buffer, text, -1);
  sam_chat_view_focus_composer (self);
}

static void
show_toast_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  show_toast (SAM_CHAT_VIEW (widget), g_variant_get_string (parameter, NULL));
}

static void
jump_to_latest_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamChatView *self = SAM_CHAT_VIEW (widget);

  set_sticky (self, TRUE);
  scroll_to_bottom (self);
}

static gboolean
text_view_key_pressed_cb (SamChatView           *self,
                          guint                  keyval,
                          guint                  keycode,
                          GdkModifierType        state,
                          GtkEventControllerKey *controller)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);

  if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter || keyval == GDK_KEY_ISO_Enter) &&
      !(state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK | GDK_ALT_MASK)))
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "chat.send", NULL);
      return TRUE;
    }

  /* As in many chat apps, Up in an empty composer brings back the last message to edit. */
  if (keyval == GDK_KEY_Up && gtk_text_buffer_get_char_count (buffer) == 0)
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "chat.edit-last", NULL);
      return TRUE;
    }

  return FALSE;
}

static void
sam_chat_view_realize (GtkWidget *widget)
{
  SamChatView *self = SAM_CHAT_VIEW (widget);

  GTK_WIDGET_CLASS (sam_chat_view_parent_class)->realize (widget);

  /* Connected after the surface's own handler, which lays the window out. */
  self->frame_clock = g_object_ref (gtk_widget_get_frame_clock (widget));
  self->layout_handler_id =
      g_signal_connect (self->frame_clock, "layout", G_CALLBACK (frame_clock_layout_cb), self);
  if (self->sticky)
    scroll_to_bottom (self);
}

static void
sam_chat_view_unrealize (GtkWidget *widget)
{
  SamChatView *self = SAM_CHAT_VIEW (widget);

  g_clear_signal_handler (&self->layout_handler_id, self->frame_clock);
  g_clear_object (&self->frame_clock);

  GTK_WIDGET_CLASS (sam_chat_view_parent_class)->unrealize (widget);
}

static void
sam_chat_view_dispose (GObject *object)
{
  SamChatView *self = SAM_CHAT_VIEW (object);

  sam_chat_view_set_chat (self, NULL);
  g_clear_handle_id (&self->draft_timeout_id, g_source_remove);
  g_clear_handle_id (&self->reminder_timeout_id, g_source_remove);
  g_clear_pointer (&self->companion_name, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), SAM_TYPE_CHAT_VIEW);
  g_clear_object (&self->selection);
  g_clear_object (&self->window);
  g_clear_pointer (&self->bound_items, g_ptr_array_unref);

  G_OBJECT_CLASS (sam_chat_view_parent_class)->dispose (object);
}

static void
sam_chat_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SamChatView *self = SAM_CHAT_VIEW (object);

  switch (prop_id)
    {
    case PROP_CHAT:
      g_value_set_object (value, self->chat);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_chat_view_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  SamChatView *self = SAM_CHAT_VIEW (object);

  switch (prop_id)
    {
    case PROP_CHAT:
      sam_chat_view_set_chat (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_chat_view_class_init (SamChatViewClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sam_chat_view_dispose;
  object_class->get_property = sam_chat_view_get_property;
  object_class->set_property = sam_chat_view_set_property;

  widget_class->realize = sam_chat_view_realize;
  widget_class->unrealize = sam_chat_view_unrealize;

  properties[PROP_CHAT] =
      g_param_spec_object ("chat", NULL, NULL, SAM_TYPE_CHAT,
                           (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/ui/sam-chat-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SamChatView, main_box);
  gtk_widget_class_bind_template_child (widget_class, SamChatView, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, SamChatView, list_stack);
  gtk_widget_class_bind_template_child (widget_class, SamChatView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, SamChatView, scroller);
  gtk_widget_class_bind_template_child (widget_class, SamChatView, list_view);
  gtk_widget_class_bind_template_child (widget_class, SamChatView, jump_button);
  gtk_widget_class_bind_template_child (widget_class, SamChatView, text_view);
  gtk_widget_class_bind_template_child (widget_class, SamChatView, send_stack);
  gtk_widget_class_bind_template_child (widget_class, SamChatView, send_button);
  gtk_widget_class_bind_template_child (widget_class, SamChatView, stop_button);
  gtk_widget_class_bind_template_child (widget_class, SamChatView, ai_label);

  gtk_widget_class_install_action (widget_class, "chat.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "chat.stop", NULL, stop_action);
  gtk_widget_class_install_action (widget_class, "chat.regenerate", NULL, regenerate_action);
  gtk_widget_class_install_action (widget_class, "chat.retry", NULL, regenerate_action);
  gtk_widget_class_install_action (widget_class, "chat.edit-last", NULL, edit_last_action);
  gtk_widget_class_install_action (widget_class, "chat.show-toast", "s", show_toast_action);
  gtk_widget_class_install_action (widget_class, "chat.jump-to-latest", NULL,
                                   jump_to_latest_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "chat.stop", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "chatview");
}

static void
sam_chat_view_init (SamChatView *self)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkEventController *key_controller;
  GtkEventController *scroll_controller;
  GtkGesture         *scrollbar_drag;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->sticky = TRUE;
  self->bound_items = g_ptr_array_new ();
  self->window_size = WINDOW_PAGE;
  self->window = gtk_slice_list_model_new (NULL, 0, WINDOW_PAGE);
  self->selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->window)));
  g_signal_connect_object (self->selection, "items-changed", G_CALLBACK (items_changed_cb), self,
                           G_CONNECT_SWAPPED);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect_object (get_vadjustment (self), "changed", G_CALLBACK (vadjustment_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (get_vadjustment (self), "value-changed",
                           G_CALLBACK (vadjustment_value_changed_cb), self, G_CONNECT_SWAPPED);

  scroll_controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  gtk_event_controller_set_propagation_phase (scroll_controller, GTK_PHASE_CAPTURE);
  g_signal_connect_object (scroll_controller, "scroll", G_CALLBACK (user_scrolled_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->scroller), scroll_controller);

  scrollbar_drag = gtk_gesture_drag_new ();
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (scrollbar_drag),
                                              GTK_PHASE_CAPTURE);
  g_signal_connect_object (scrollbar_drag, "drag-begin", G_CALLBACK (scrollbar_drag_begin_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (gtk_scrolled_window_get_vscrollbar (self->scroller),
                             GTK_EVENT_CONTROLLER (scrollbar_drag));

  key_controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (key_controller, GTK_PHASE_CAPTURE);
  g_signal_connect_object (key_controller, "key-pressed", G_CALLBACK (text_view_key_pressed_cb),
                           self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), key_controller);

  g_signal_connect_object (gtk_text_view_get_buffer (self->text_view), "changed",
                           G_CALLBACK (buffer_changed_cb), self, G_CONNECT_SWAPPED);

  update_busy (self);
}

GtkWidget *
sam_chat_view_new (void)
{
  return g_object_new (SAM_TYPE_CHAT_VIEW, NULL);
}

SamChat *
sam_chat_view_get_chat (SamChatView *self)
{
  g_return_val_if_fail (SAM_IS_CHAT_VIEW (self), NULL);

  return self->chat;
}

void
sam_chat_view_set_chat (SamChatView *self, SamChat *chat)
{
  GtkTextBuffer *buffer;

  g_return_if_fail (SAM_IS_CHAT_VIEW (self));
  g_return_if_fail (!chat || SAM_IS_CHAT (chat));

  if (self->chat == chat)
    return;

  /* The draft of the conversation we leave is saved now, not when a timer fires. */
  if (self->chat != NULL)
    {
      save_draft (self);
      g_signal_handlers_disconnect_by_data (self->chat, self);
      g_signal_handlers_disconnect_by_func (sam_chat_get_messages (self->chat), messages_changed_cb,
                                            self);
    }

  g_set_object (&self->chat, chat);

  buffer = gtk_text_view_get_buffer (self->text_view);
  g_signal_handlers_block_by_func (buffer, buffer_changed_cb, self);
  if (chat != NULL)
    {
      const char *draft = sam_conversation_get_draft (sam_chat_get_conversation (chat));

      gtk_text_buffer_set_text (buffer, draft ? draft : "", -1);
      g_signal_connect_object (chat, "notify::busy", G_CALLBACK (chat_busy_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (chat, "crisis", G_CALLBACK (chat_crisis_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (chat, "reminder", G_CALLBACK (chat_reminder_cb), self,
                               G_CONNECT_SWAPPED);
      sam_chat_view_set_banner (self, NULL);
      if (sam_chat_get_had_crisis (chat))
        show_crisis_banner (self);
      self->window_size = WINDOW_PAGE;
      gtk_slice_list_model_set_model (self->window, sam_chat_get_messages (chat));
      update_window (self);
      g_signal_connect_object (sam_chat_get_messages (chat), "items-changed",
                               G_CALLBACK (messages_changed_cb), self, G_CONNECT_SWAPPED);
    }
  else
    {
      gtk_text_buffer_set_text (buffer, "", 0);
      if (self->window != NULL)
        gtk_slice_list_model_set_model (self->window, NULL);
    }
  g_signal_handlers_unblock_by_func (buffer, buffer_changed_cb, self);

  gtk_stack_set_visible_child_name (
      self->list_stack,
      g_list_model_get_n_items (G_LIST_MODEL (self->selection)) ? "messages" : "empty");
  set_sticky (self, TRUE);
  scroll_to_bottom (self);
  update_busy (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHAT]);
}

/* Shows @banner above the messages (the crisis resources), or hides it when NULL. */
void
sam_chat_view_set_banner (SamChatView *self, GtkWidget *banner)
{
  g_return_if_fail (SAM_IS_CHAT_VIEW (self));

  gtk_revealer_set_child (self->banner_revealer, banner);
  gtk_revealer_set_reveal_child (self->banner_revealer, banner != NULL);
}

void
sam_chat_view_scroll_to_message (SamChatView *self, gint64 message_id)
{
  GListModel *messages;
  guint       position = GTK_INVALID_LIST_POSITION;

  g_return_if_fail (SAM_IS_CHAT_VIEW (self));

  if (self->chat == NULL)
    return;

  messages = sam_chat_get_messages (self->chat);
  position = sam_message_list_find (SAM_MESSAGE_LIST (messages), message_id);

  if (position == GTK_INVALID_LIST_POSITION)
    return;

  /* Open the window far enough back to hold the message, with a little context above it. */
  grow_window (self, g_list_model_get_n_items (messages) - position + 3);

  set_sticky (self, FALSE);
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u",
                              position - gtk_slice_list_model_get_offset (self->window));
}

/* For small windows such as quick reply: a smaller welcome for an empty conversation. */
void
sam_chat_view_set_compact (SamChatView *self, gboolean compact)
{
  g_return_if_fail (SAM_IS_CHAT_VIEW (self));

  if (compact)
    gtk_widget_add_css_class (self->empty_page, "compact");
  else
    gtk_widget_remove_css_class (self->empty_page, "compact");
}

/* The name the user gave their companion, for the label saying it is an AI; NULL or empty
 * for Samantha. */
void
sam_chat_view_set_companion_name (SamChatView *self, const char *name)
{
  g_return_if_fail (SAM_IS_CHAT_VIEW (self));

  g_free (self->companion_name);
  self->companion_name =
      name && *name && g_strcmp0 (name, "Samantha") != 0 ? g_strdup (name) : NULL;
  /* A reminder on show keeps its place; the label comes back with the new name. */
  if (self->reminder_timeout_id == 0)
    restore_ai_label_cb (self);
}

void
sam_chat_view_focus_composer (SamChatView *self)
{
  g_return_if_fail (SAM_IS_CHAT_VIEW (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}
