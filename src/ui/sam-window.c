/* sam-window.c — the main window: conversation list and conversation area.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-application-desktop.h"
#include "sam-chat-view.h"
#include "sam-conversation-row.h"
#include "sam-window.h"
#include "store/sam-conversation-list.h"
#include "store/sam-export.h"
#include "store/sam-import.h"
#include "store/sam-search-hit.h"

#define SEARCH_LIMIT 200
/* The sidebar shows the newest conversations and more as the user scrolls: GtkListView builds
 * rows for a couple of hundred items around what it shows, which would cost at startup. */
#define SIDEBAR_PAGE 16

struct _SamWindow
{
  AdwApplicationWindow parent_instance;

  GSettings           *settings;
  SamStore            *store;
  GtkSingleSelection  *conversations;
  GtkSliceListModel   *sidebar_window;
  SamConversationList *all_conversations;
  /* Conversations in motion, by id: a reply keeps streaming when the user looks elsewhere. */
  GHashTable      *chats;
  SamConversation *conversation;
  GCancellable    *search_cancellable;
  /* The conversation deleted last, until its toast is gone and it is removed for good. */
  SamConversation    *deleted_conversation;
  GtkSingleSelection *search_results;

  /* Template widgets */
  AdwToastOverlay   *toast_overlay;
  AdwLeaflet        *leaflet;
  GtkWidget         *sidebar;
  GtkWidget         *content;
  GtkSearchBar      *search_bar;
  GtkSearchEntry    *search_entry;
  GtkStack          *sidebar_stack;
  GtkScrolledWindow *sidebar_scroller;
  GtkListView       *conversation_list;
  GtkListView       *search_list;
  GtkStack          *content_stack;
  AdwWindowTitle    *content_title;
  GtkMenuButton     *primary_menu_button;
  GtkWidget         *conversation_menu_button;
  GMenuModel        *primary_menu;
  GMenuModel        *conversation_menu;
  GtkWidget         *new_conversation_button;
  GtkWidget         *search_button;
  GtkWidget         *back_button;
  GtkWidget         *welcome_page;
  GtkWidget         *welcome_description;
  GtkImage          *sidebar_empty_icon;
  AdwStatusPage     *no_results_page;
  /* Built when first needed, after the first frame: see ensure_chat_view(). */
  SamChatView *chat_view;
  guint        chat_view_idle_id;
};

G_DEFINE_FINAL_TYPE (SamWindow, sam_window, ADW_TYPE_APPLICATION_WINDOW)

enum
{
  PROP_0,
  PROP_CONVERSATION_PINNED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_error_toast (SamWindow *self, const GError *error)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
}

/* The status pages shown instead of a list or a conversation get their icon and text when first
 * shown: building them with the window costs before the first frame, for pages seldom seen.
 * (The sidebar's empty page is laid out like one; its icon is set when first shown.) */
static void
fill_status_page (AdwStatusPage *page,
                  const char    *icon_name,
                  const char    *title,
                  const char    *description)
{
  if (adw_status_page_get_icon_name (page) != NULL)
    return;
  adw_status_page_set_icon_name (page, icon_name);
  adw_status_page_set_title (page, title);
  if (description)
    adw_status_page_set_description (page, description);
}

static void
update_sidebar_page (SamWindow *self)
{
  const char *search = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  const char *page;

  if (gtk_search_bar_get_search_mode (self->search_bar) && search[0] != '\0')
    page = g_list_model_get_n_items (G_LIST_MODEL (self->search_results)) > 0 ? "search"
                                                                              : "no-results";
  else
    page = g_list_model_get_n_items (G_LIST_MODEL (self->conversations)) > 0 ? "list" : "empty";

  if (g_str_equal (page, "empty") &&
      gtk_image_get_storage_type (self->sidebar_empty_icon) == GTK_IMAGE_EMPTY)
    gtk_image_set_from_icon_name (self->sidebar_empty_icon, "sam-conversations-symbolic");
  else if (g_str_equal (page, "no-results"))
    fill_status_page (self->no_results_page, "edit-find-symbolic", _ ("No Results Found"),
                      _ ("Try different words"));
  gtk_stack_set_visible_child_name (self->sidebar_stack, page);
}

static void
conversation_title_changed_cb (SamWindow *self, GParamSpec *pspec, SamConversation *conversation)
{
  adw_window_title_set_title (self->content_title, sam_conversation_get_title (conversation));
}

static void
conversation_pinned_changed_cb (SamWindow *self, GParamSpec *pspec, SamConversation *conversation)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONVERSATION_PINNED]);
}

static void
update_conversation_actions (SamWindow *self)
{
  gboolean has_conversation = self->conversation != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.rename-conversation", has_conversation);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.pin-conversation", has_conversation);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.delete-conversation", has_conversation);
  gtk_widget_set_visible (self->conversation_menu_button, has_conversation);
}

/* The name the installation gave the companion, in the welcome text and
 * under the composer; the templates say Samantha, the default. */
static void
update_companion_name (SamWindow *self)
{
  g_autofree char *name = g_settings_get_string (self->settings, "companion-name");

  g_strstrip (name);
  if (*name != '\0' && g_strcmp0 (name, "Samantha") != 0)
    {
      /* Translators: %s is the name the user gave their companion. */
      g_autofree char *text = g_strdup_printf (_ ("I’m %s, an AI companion — not a person. I "
                                                  "remember what you choose to tell me, and I "
                                                  "never act without asking."),
                                               name);

      gtk_label_set_text (GTK_LABEL (self->welcome_description), text);
    }
  else
    gtk_label_set_text (GTK_LABEL (self->welcome_description),
                        _ ("I’m Samantha, an AI companion — not a person. I remember what you "
                           "choose to tell me, and I never act without asking."));
  if (self->chat_view != NULL)
    sam_chat_view_set_companion_name (self->chat_view, name);
}

/* The conversation view is the largest part of the window and is hidden until a conversation
 * is opened: it is built then, or when the main loop is idle after the first frame, whichever
 * comes first, so that it costs nothing before the window is on screen. */
static SamChatView *
ensure_chat_view (SamWindow *self)
{
  if (self->chat_view == NULL)
    {
      g_autofree char *name = g_settings_get_string (self->settings, "companion-name");

      self->chat_view = SAM_CHAT_VIEW (sam_chat_view_new ());
      sam_chat_view_set_companion_name (self->chat_view, g_strstrip (name));
      gtk_stack_add_named (self->content_stack, GTK_WIDGET (self->chat_view), "chat");
    }

  return self->chat_view;
}

static gboolean
build_chat_view_idle_cb (gpointer user_data)
{
  SamWindow *self = user_data;

  self->chat_view_idle_id = 0;
  ensure_chat_view (self);
  return G_SOURCE_REMOVE;
}

static void
first_frame_painted_cb (GdkFrameClock *frame_clock, SamWindow *self)
{
  g_signal_handlers_disconnect_by_func (frame_clock, first_frame_painted_cb, self);

  if (self->chat_view == NULL && self->chat_view_idle_id == 0)
    self->chat_view_idle_id = g_idle_add_full (G_PRIORITY_LOW, build_chat_view_idle_cb, self, NULL);
}

static void
sam_window_realize (GtkWidget *widget)
{
  SamWindow *self = SAM_WINDOW (widget);

  GTK_WIDGET_CLASS (sam_window_parent_class)->realize (widget);

  g_signal_connect_object (gtk_widget_get_frame_clock (widget), "after-paint",
                           G_CALLBACK (first_frame_painted_cb), self, 0);
}

static SamChat *
get_chat (SamWindow *self, SamConversation *conversation, GError **error)
{
  gint64   id = sam_conversation_get_id (conversation);
  SamChat *chat = g_hash_table_lookup (self->chats, &id);

  if (chat == NULL)
    {
      SamApplication *app = SAM_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
      gint64         *key;

      /* Shared with quick reply, which may be showing the same conversation. */
      if (!(chat = sam_application_desktop_get_chat (sam_application_get_desktop (app),
                                                     conversation, error)))
        return NULL;

      key = g_new (gint64, 1);
      *key = id;
      g_hash_table_insert (self->chats, key, chat);
    }

  return chat;
}

static void
forget_idle_chats (SamWindow *self)
{
  GHashTableIter iter;
  SamChat       *chat;

  /* Keep only the chat on screen and those still streaming a reply. */
  g_hash_table_iter_init (&iter, self->chats);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &chat))
    {
      if (sam_chat_get_conversation (chat) != self->conversation && !sam_chat_get_busy (chat))
        g_hash_table_iter_remove (&iter);
    }
}

static void
show_conversation (SamWindow *self, SamConversation *conversation)
{
  g_autoptr (GError) error = NULL;
  SamChat *chat = NULL;

  if (self->conversation == conversation)
    return;

  if (self->conversation != NULL)
    g_signal_handlers_disconnect_by_data (self->conversation, self);

  if (conversation != NULL && !(chat = get_chat (self, conversation, &error)))
    {
      show_error_toast (self, error);
      conversation = NULL;
    }

  g_set_object (&self->conversation, conversation);
  if (chat != NULL || self->chat_view != NULL)
    sam_chat_view_set_chat (ensure_chat_view (self), chat);
  forget_idle_chats (self);

  if (conversation != NULL)
    {
      g_signal_connect_object (conversation, "notify::title",
                               G_CALLBACK (conversation_title_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (conversation, "notify::pinned",
                               G_CALLBACK (conversation_pinned_changed_cb), self,
                               G_CONNECT_SWAPPED);
      adw_window_title_set_title (self->content_title, sam_conversation_get_title (conversation));
      gtk_stack_set_visible_child_name (self->content_stack, "chat");
      adw_leaflet_set_visible_child (self->leaflet, self->content);
    }
  else
    {
      adw_window_title_set_title (self->content_title, "");
      gtk_stack_set_visible_child_name (self->content_stack, "welcome");
    }

  update_conversation_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONVERSATION_PINNED]);
}

static void
conversations_changed_cb (
    SamWindow *self, guint position, guint removed, guint added, GListModel *model)
{
  /* The conversation on screen went away (deleted): show the welcome page. */
  if (self->conversation != NULL &&
      sam_conversation_list_find (self->all_conversations,
                                  sam_conversation_get_id (self->conversation)) ==
          GTK_INVALID_LIST_POSITION)
    show_conversation (self, NULL);

  update_sidebar_page (self);
}

/* A page more of the sidebar when fewer than AHEAD pixels of it are left below what is shown,
 * if there is more. */
static void
extend_sidebar (SamWindow *self, GtkAdjustment *adjustment, double ahead)
{
  double remaining = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_value (adjustment) -
                     gtk_adjustment_get_page_size (adjustment);

  if (remaining < ahead && self->all_conversations != NULL &&
      gtk_slice_list_model_get_size (self->sidebar_window) <
          g_list_model_get_n_items (G_LIST_MODEL (self->all_conversations)))
    gtk_slice_list_model_set_size (
        self->sidebar_window, gtk_slice_list_model_get_size (self->sidebar_window) + SIDEBAR_PAGE);
}

/* Scrolling: the next page is there before it is reached. */
static void
sidebar_scrolled_cb (SamWindow *self, GtkAdjustment *adjustment)
{
  extend_sidebar (self, adjustment, gtk_adjustment_get_page_size (adjustment));
}

/* Sized or filled: a tall window shows no gap below the last row. Rows below it wait for the
 * first scroll, so that the first frame builds only the rows on screen. */
static void
sidebar_changed_cb (SamWindow *self, GtkAdjustment *adjustment)
{
  extend_sidebar (self, adjustment, 0);
}

/* The menus are built when first opened, not with the window before its first frame. */
static void
create_menu_popup_cb (GtkMenuButton *button, gpointer menu)
{
  gtk_menu_button_set_menu_model (button, G_MENU_MODEL (menu));
}

static void
select_conversation_position (SamWindow *self, guint position)
{
  g_autoptr (SamConversation) conversation = NULL;

  if (position == GTK_INVALID_LIST_POSITION)
    return;

  /* The sidebar window starts at the newest, so positions are the same in both lists. */
  if (position >= gtk_slice_list_model_get_size (self->sidebar_window))
    gtk_slice_list_model_set_size (self->sidebar_window, position + SIDEBAR_PAGE);

  gtk_single_selection_set_selected (self->conversations, position);
  conversation = g_list_model_get_item (G_LIST_MODEL (self->conversations), position);
  show_conversation (self, conversation);
}

static void
conversation_activated_cb (SamWindow *self, guint position, GtkListView *list_view)
{
  select_conversation_position (self, position);
  sam_chat_view_focus_composer (ensure_chat_view (self));
}

static void
setup_conversation_row_cb (GtkSignalListItemFactory *factory,
                           GtkListItem              *list_item,
                           gpointer                  user_data)
{
  gtk_list_item_set_child (list_item, sam_conversation_row_new ());
}

static void
bind_conversation_row_cb (GtkSignalListItemFactory *factory,
                          GtkListItem              *list_item,
                          gpointer                  user_data)
{
  sam_conversation_row_set_conversation (SAM_CONVERSATION_ROW (gtk_list_item_get_child (list_item)),
                                         gtk_list_item_get_item (list_item));
}

static void
unbind_conversation_row_cb (GtkSignalListItemFactory *factory,
                            GtkListItem              *list_item,
                            gpointer                  user_data)
{
  sam_conversation_row_set_conversation (SAM_CONVERSATION_ROW (gtk_list_item_get_child (list_item)),
                                         NULL);
}

static void
setup_search_row_cb (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *snippet = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (title, "caption-heading");
  gtk_label_set_xalign (GTK_LABEL (snippet), 0);
  gtk_label_set_wrap (GTK_LABEL (snippet), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (snippet), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_lines (GTK_LABEL (snippet), 3);
  gtk_label_set_ellipsize (GTK_LABEL (snippet), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (snippet, "sam-search-snippet");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), snippet);
  gtk_list_item_set_child (list_item, box);
}

static void
bind_search_row_cb (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  SamSearchHit    *hit = gtk_list_item_get_item (list_item);
  GtkWidget       *box = gtk_list_item_get_child (list_item);
  GtkWidget       *title = gtk_widget_get_first_child (box);
  GtkWidget       *snippet = gtk_widget_get_next_sibling (title);
  g_autofree char *markup = sam_search_hit_dup_snippet_markup (hit);

  gtk_label_set_text (GTK_LABEL (title), sam_search_hit_get_conversation_title (hit));
  gtk_label_set_markup (GTK_LABEL (snippet), markup);
}

static void
search_finished_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (SamWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GListModel) hits = sam_store_search_finish (SAM_STORE (object), result, &error);

  if (hits == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error_toast (self, error);
      return;
    }

  gtk_single_selection_set_model (self->search_results, hits);
  update_sidebar_page (self);
}

static void
search_changed_cb (SamWindow *self, GtkSearchEntry *entry)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);

  if (text[0] == '\0' || self->store == NULL)
    {
      gtk_single_selection_set_model (self->search_results, NULL);
      update_sidebar_page (self);
      return;
    }

  self->search_cancellable = g_cancellable_new ();
  sam_store_search_async (self->store, text, SEARCH_LIMIT, self->search_cancellable,
                          search_finished_cb, g_object_ref (self));
}

static void
search_hit_activated_cb (SamWindow *self, guint position, GtkListView *list_view)
{
  g_autoptr (SamSearchHit) hit =
      g_list_model_get_item (G_LIST_MODEL (self->search_results), position);

  if (hit == NULL)
    return;

  sam_window_select_conversation (self, sam_search_hit_get_conversation_id (hit));
  sam_chat_view_scroll_to_message (ensure_chat_view (self), sam_search_hit_get_message_id (hit));
}

static void
search_mode_changed_cb (SamWindow *self, GParamSpec *pspec, GtkSearchBar *search_bar)
{
  update_sidebar_page (self);
}

static void
sam_window_save_state (SamWindow *self)
{
  int width;
  int height;

  g_assert (SAM_IS_WINDOW (self));

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);

  /* The default size is the unmaximized size, which is the one worth restoring. */
  g_settings_delay (self->settings);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
  g_settings_apply (self->settings);
}

static gboolean
sam_window_close_request (GtkWindow *window)
{
  SamWindow *self = SAM_WINDOW (window);

  sam_window_save_state (self);
  /* Closing the window saves the draft being typed. */
  if (self->chat_view != NULL)
    sam_chat_view_set_chat (self->chat_view, NULL);

  return GTK_WINDOW_CLASS (sam_window_parent_class)->close_request (window);
}

static void
show_sidebar_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamWindow *self = SAM_WINDOW (widget);

  adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
}

static void
toggle_search_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamWindow *self = SAM_WINDOW (widget);
  gboolean   enabled = !gtk_search_bar_get_search_mode (self->search_bar);

  if (enabled)
    adw_leaflet_set_visible_child (self->leaflet, self->sidebar);

  gtk_search_bar_set_search_mode (self->search_bar, enabled);

  if (enabled)
    gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* win.new-conversation, and win.new-temporary-conversation: one that remembers nothing and
 * teaches the companion nothing (recall leaves it out, no facts or summary come from it). */
static void
new_conversation_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamWindow *self = SAM_WINDOW (widget);
  g_autoptr (GError) error = NULL;
  g_autoptr (SamConversation) conversation = NULL;
  gboolean temporary = g_str_equal (action_name, "win.new-temporary-conversation");

  if (self->store == NULL)
    return;

  if (!(conversation = sam_store_create_conversation (
            self->store, temporary ? _ ("Temporary Conversation") : _ ("New Conversation"),
            temporary ? SAM_CONVERSATION_KIND_TEMPORARY : SAM_CONVERSATION_KIND_NORMAL, &error)))
    {
      show_error_toast (self, error);
      return;
    }

  sam_window_select_conversation (self, sam_conversation_get_id (conversation));
  sam_chat_view_focus_composer (ensure_chat_view (self));
  if (temporary)
    sam_window_add_toast (self, adw_toast_new (_ ("Temporary conversation: Samantha uses no "
                                                  "memories here and remembers nothing from it.")));
}

static void
rename_response_cb (AdwMessageDialog *dialog, const char *response, SamWindow *self)
{
  g_autoptr (GError) error = NULL;
  GtkEditable     *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  SamConversation *conversation = g_object_get_data (G_OBJECT (dialog), "conversation");
  g_autofree char *title = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  if (g_strcmp0 (response, "rename") != 0 || title[0] == '\0')
    return;

  if (!sam_store_rename_conversation (self->store, conversation, title, &error))
    show_error_toast (self, error);
}

static void
rename_entry_activate_cb (GtkEntry *entry, AdwMessageDialog *dialog)
{
  adw_message_dialog_response (dialog, "rename");
}

static void
rename_conversation_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamWindow *self = SAM_WINDOW (widget);
  GtkWidget *dialog;
  GtkWidget *entry;

  if (self->conversation == NULL)
    return;

  entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (entry), sam_conversation_get_title (self->conversation));
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Title"), -1);

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _ ("Rename Conversation"), NULL);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _ ("_Cancel"), "rename",
                                    _ ("_Rename"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "rename",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "rename");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  g_object_set_data_full (G_OBJECT (dialog), "conversation", g_object_ref (self->conversation),
                          g_object_unref);
  g_signal_connect (entry, "activate", G_CALLBACK (rename_entry_activate_cb), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (rename_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
undo_delete_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamWindow *self = SAM_WINDOW (widget);
  g_autoptr (GError) error = NULL;
  g_autoptr (SamConversation) conversation = g_steal_pointer (&self->deleted_conversation);

  gtk_widget_action_set_enabled (widget, "win.undo-delete", FALSE);

  if (conversation == NULL)
    return;

  if (!sam_store_undelete_conversation (self->store, conversation, &error))
    show_error_toast (self, error);
  else
    sam_window_select_conversation (self, sam_conversation_get_id (conversation));
}

static void
delete_toast_dismissed_cb (AdwToast *toast, SamWindow *self)
{
  g_autoptr (GError) error = NULL;
  SamConversation *conversation = g_object_get_data (G_OBJECT (toast), "conversation");

  /* Once the chance to undo has passed, the conversation is removed for good. */
  if (conversation == NULL || conversation != self->deleted_conversation)
    return;

  g_clear_object (&self->deleted_conversation);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo-delete", FALSE);
  if (!sam_store_purge_conversation (self->store, conversation, &error))
    g_warning ("Could not remove a deleted conversation: %s", error->message);
}

static void
delete_conversation_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamWindow *self = SAM_WINDOW (widget);
  g_autoptr (GError) error = NULL;
  g_autoptr (SamConversation) conversation = NULL;
  g_autofree char *title = NULL;
  AdwToast        *toast;
  gint64           id;

  if (self->conversation == NULL)
    return;

  conversation = g_object_ref (self->conversation);
  id = sam_conversation_get_id (conversation);

  /* A reply still streaming into it stops first. */
  if (g_hash_table_contains (self->chats, &id))
    sam_chat_stop (g_hash_table_lookup (self->chats, &id));

  if (!sam_store_delete_conversation (self->store, conversation, &error))
    {
      show_error_toast (self, error);
      return;
    }

  show_conversation (self, NULL);
  g_set_object (&self->deleted_conversation, conversation);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo-delete", TRUE);

  /* Translators: %s is the title of a conversation. */
  title = g_strdup_printf (_ ("“%s” deleted"), sam_conversation_get_title (conversation));
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _ ("_Undo"));
  adw_toast_set_action_name (toast, "win.undo-delete");
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_object_set_data_full (G_OBJECT (toast), "conversation", g_steal_pointer (&conversation),
                          g_object_unref);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (delete_toast_dismissed_cb), self, 0);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
import_finished_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (SamWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *title = NULL;
  SamImportStats   stats = { 0 };

  if (!sam_import_file_finish (SAM_STORE (object), result, &stats, &error))
    {
      /* Translators: %s says why an import was refused; nothing was imported. */
      title = g_strdup_printf (_ ("Nothing was imported: %s"), error->message);
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (title));
      return;
    }

  /* Translators: the first %u counts conversations, the second messages. */
  title = g_strdup_printf (
      g_dngettext (GETTEXT_PACKAGE, "Imported %u conversation with %u messages",
                   "Imported %u conversations with %u messages", stats.conversations),
      stats.conversations, stats.messages);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (title));
}

static void
import_response_cb (GtkNativeDialog *dialog, int response, SamWindow *self)
{
  g_autoptr (GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT &&
      (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog))))
    sam_import_file_async (self->store, file, NULL, import_finished_cb, g_object_ref (self));

  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
import_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamWindow *self = SAM_WINDOW (widget);
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();
  GtkFileChooserNative *dialog;

  if (self->store == NULL)
    return;

  dialog = gtk_file_chooser_native_new (_ ("Import Conversations"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _ ("_Import"), _ ("_Cancel"));
  gtk_file_filter_set_name (filter, _ ("ChatGPT or Samantha export"));
  gtk_file_filter_add_mime_type (filter, "application/json");
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (import_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
export_finished_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (SamWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *title = NULL;
  SamExportStats   stats = { 0 };

  if (!sam_export_to_directory_finish (SAM_STORE (object), result, &stats, &error))
    {
      show_error_toast (self, error);
      return;
    }

  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exported %u conversation",
                                        "Exported %u conversations", stats.conversations),
                           stats.conversations);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (title));
}

static void
export_response_cb (GtkNativeDialog *dialog, int response, SamWindow *self)
{
  g_autoptr (GFile) folder = NULL;

  if (response == GTK_RESPONSE_ACCEPT &&
      (folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog))))
    sam_export_to_directory_async (self->store, folder, NULL, export_finished_cb,
                                   g_object_ref (self));

  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
export_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamWindow            *self = SAM_WINDOW (widget);
  GtkFileChooserNative *dialog;

  if (self->store == NULL)
    return;

  dialog = gtk_file_chooser_native_new (_ ("Export Conversations to a Folder"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _ ("_Export"),
                                        _ ("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (export_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
sam_window_constructed (GObject *object)
{
  SamWindow *self = SAM_WINDOW (object);

  G_OBJECT_CLASS (sam_window_parent_class)->constructed (object);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));

  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
sam_window_dispose (GObject *object)
{
  SamWindow *self = SAM_WINDOW (object);

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  g_clear_handle_id (&self->chat_view_idle_id, g_source_remove);

  if (self->conversation != NULL)
    g_signal_handlers_disconnect_by_data (self->conversation, self);
  g_clear_object (&self->conversation);
  g_clear_object (&self->deleted_conversation);

  gtk_widget_dispose_template (GTK_WIDGET (self), SAM_TYPE_WINDOW);
  /* It was a child of the content stack, gone with it. */
  self->chat_view = NULL;

  g_clear_pointer (&self->chats, g_hash_table_unref);
  g_clear_object (&self->conversations);
  g_clear_object (&self->sidebar_window);
  g_clear_object (&self->all_conversations);
  g_clear_object (&self->search_results);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (sam_window_parent_class)->dispose (object);
}

static void
sam_window_finalize (GObject *object)
{
  SamWindow *self = SAM_WINDOW (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sam_window_parent_class)->finalize (object);
}

static void
sam_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SamWindow *self = SAM_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONVERSATION_PINNED:
      g_value_set_boolean (value,
                           self->conversation && sam_conversation_get_pinned (self->conversation));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_window_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  SamWindow *self = SAM_WINDOW (object);
  g_autoptr (GError) error = NULL;

  switch (prop_id)
    {
    case PROP_CONVERSATION_PINNED:
      if (self->conversation != NULL &&
          !sam_store_set_conversation_pinned (self->store, self->conversation,
                                              g_value_get_boolean (value), &error))
        show_error_toast (self, error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_window_class_init (SamWindowClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = sam_window_constructed;
  object_class->dispose = sam_window_dispose;
  object_class->finalize = sam_window_finalize;
  object_class->get_property = sam_window_get_property;
  object_class->set_property = sam_window_set_property;

  window_class->close_request = sam_window_close_request;
  widget_class->realize = sam_window_realize;

  properties[PROP_CONVERSATION_PINNED] =
      g_param_spec_boolean ("conversation-pinned", NULL, NULL, FALSE,
                            (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/ui/sam-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SamWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, content);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, sidebar_stack);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, sidebar_scroller);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, conversation_list);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, search_list);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, primary_menu_button);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, conversation_menu_button);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, primary_menu);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, conversation_menu);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, new_conversation_button);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, welcome_page);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, welcome_description);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, sidebar_empty_icon);
  gtk_widget_class_bind_template_child (widget_class, SamWindow, no_results_page);

  gtk_widget_class_install_action (widget_class, "win.show-sidebar", NULL, show_sidebar_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-search", NULL, toggle_search_action);
  gtk_widget_class_install_action (widget_class, "win.new-conversation", NULL,
                                   new_conversation_action);
  gtk_widget_class_install_action (widget_class, "win.new-temporary-conversation", NULL,
                                   new_conversation_action);
  gtk_widget_class_install_action (widget_class, "win.rename-conversation", NULL,
                                   rename_conversation_action);
  gtk_widget_class_install_action (widget_class, "win.delete-conversation", NULL,
                                   delete_conversation_action);
  gtk_widget_class_install_action (widget_class, "win.undo-delete", NULL, undo_delete_action);
  gtk_widget_class_install_action (widget_class, "win.import", NULL, import_action);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_action);
  gtk_widget_class_install_property_action (widget_class, "win.pin-conversation",
                                            "conversation-pinned");

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK,
                                       "win.new-conversation", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_N, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.new-temporary-conversation", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F2, 0, "win.rename-conversation",
                                       NULL);
}

static void
sam_window_init (SamWindow *self)
{
  g_autoptr (GtkListItemFactory) conversation_factory = gtk_signal_list_item_factory_new ();
  g_autoptr (GtkListItemFactory) search_factory = gtk_signal_list_item_factory_new ();

  self->settings = g_settings_new (APP_ID);
  self->chats = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo-delete", FALSE);
  g_signal_connect_object (self->settings, "changed::companion-name",
                           G_CALLBACK (update_companion_name), self, G_CONNECT_SWAPPED);
  {
    g_autofree char *name = g_settings_get_string (self->settings, "companion-name");

    /* Samantha is what the template says already: the usual first frame sets nothing. */
    if (*g_strstrip (name) != '\0' && g_strcmp0 (name, "Samantha") != 0)
      update_companion_name (self);
  }
  gtk_menu_button_set_create_popup_func (self->primary_menu_button, create_menu_popup_cb,
                                         self->primary_menu, NULL);
  gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (self->conversation_menu_button),
                                         create_menu_popup_cb, self->conversation_menu, NULL);

  self->sidebar_window = gtk_slice_list_model_new (NULL, 0, SIDEBAR_PAGE);
  self->conversations =
      gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->sidebar_window)));
  gtk_single_selection_set_autoselect (self->conversations, FALSE);
  gtk_single_selection_set_can_unselect (self->conversations, TRUE);
  g_signal_connect (conversation_factory, "setup", G_CALLBACK (setup_conversation_row_cb), NULL);
  g_signal_connect (conversation_factory, "bind", G_CALLBACK (bind_conversation_row_cb), NULL);
  g_signal_connect (conversation_factory, "unbind", G_CALLBACK (unbind_conversation_row_cb), NULL);
  gtk_list_view_set_factory (self->conversation_list, conversation_factory);
  gtk_list_view_set_model (self->conversation_list, GTK_SELECTION_MODEL (self->conversations));
  g_signal_connect_object (gtk_scrolled_window_get_vadjustment (self->sidebar_scroller),
                           "value-changed", G_CALLBACK (sidebar_scrolled_cb), self,
                           G_CONNECT_SWAPPED);
  /* A tall window may show more than a page: fill it. */
  g_signal_connect_object (gtk_scrolled_window_get_vadjustment (self->sidebar_scroller), "changed",
                           G_CALLBACK (sidebar_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->conversation_list, "activate",
                           G_CALLBACK (conversation_activated_cb), self, G_CONNECT_SWAPPED);

  self->search_results = gtk_single_selection_new (NULL);
  gtk_single_selection_set_autoselect (self->search_results, FALSE);
  gtk_single_selection_set_can_unselect (self->search_results, TRUE);
  g_signal_connect (search_factory, "setup", G_CALLBACK (setup_search_row_cb), NULL);
  g_signal_connect (search_factory, "bind", G_CALLBACK (bind_search_row_cb), NULL);
  gtk_list_view_set_factory (self->search_list, search_factory);
  gtk_list_view_set_model (self->search_list, GTK_SELECTION_MODEL (self->search_results));
  g_signal_connect_object (self->search_list, "activate", G_CALLBACK (search_hit_activated_cb),
                           self, G_CONNECT_SWAPPED);

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self->sidebar));
  g_signal_connect_object (self->search_entry, "search-changed", G_CALLBACK (search_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->search_bar, "notify::search-mode-enabled",
                           G_CALLBACK (search_mode_changed_cb), self, G_CONNECT_SWAPPED);
}

/* Opens the conversations once the window belongs to the application, which owns the store. */
static void
sam_window_load (SamWindow *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamConversationList) list = NULL;
  GtkApplication *app;

  app = gtk_window_get_application (GTK_WINDOW (self));
  if (!(self->store = sam_application_get_store (SAM_APPLICATION (app), &error)) ||
      !(list = sam_conversation_list_new (self->store, &error)))
    {
      /* Nothing is touched: the user sees why, and the file stays for them to recover. */
      GtkWidget *error_page = gtk_stack_get_child_by_name (self->content_stack, "error");

      /* Made only when needed, as it seldom is. */
      if (error_page == NULL)
        {
          error_page = adw_status_page_new ();
          fill_status_page (ADW_STATUS_PAGE (error_page), "dialog-error-symbolic",
                            _ ("Your Conversations Could Not Be Opened"), NULL);
          gtk_stack_add_named (self->content_stack, error_page, "error");
        }
      adw_status_page_set_description (ADW_STATUS_PAGE (error_page), error->message);
      gtk_stack_set_visible_child_name (self->content_stack, "error");
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-conversation", FALSE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-temporary-conversation", FALSE);
      update_conversation_actions (self);
      return;
    }

  g_object_ref (self->store);
  self->all_conversations = g_object_ref (list);
  gtk_slice_list_model_set_model (self->sidebar_window, G_LIST_MODEL (list));
  g_signal_connect_object (self->conversations, "items-changed",
                           G_CALLBACK (conversations_changed_cb), self, G_CONNECT_SWAPPED);
  update_sidebar_page (self);
  update_conversation_actions (self);
}

SamWindow *
sam_window_new (SamApplication *application)
{
  SamWindow *self;

  g_return_val_if_fail (SAM_IS_APPLICATION (application), NULL);

  self = g_object_new (SAM_TYPE_WINDOW, "application", application, NULL);
  sam_window_load (self);

  return self;
}

void
sam_window_add_toast (SamWindow *self, AdwToast *toast)
{
  g_return_if_fail (SAM_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* Shows the conversation with @conversation_id; returns whether it exists. */
gboolean
sam_window_select_conversation (SamWindow *self, gint64 conversation_id)
{
  SamConversationList *list;

  g_return_val_if_fail (SAM_IS_WINDOW (self), FALSE);

  if (self->store == NULL)
    return FALSE;

  list = self->all_conversations;
  if (sam_conversation_list_find (list, conversation_id) == GTK_INVALID_LIST_POSITION)
    {
      g_autoptr (SamConversation) conversation =
          sam_store_get_conversation (self->store, conversation_id, NULL);

      /* Conversations not in the sidebar (quick replies) are shown all the same. */
      if (conversation == NULL || sam_conversation_get_deleted (conversation))
        return FALSE;
      gtk_single_selection_set_selected (self->conversations, GTK_INVALID_LIST_POSITION);
      show_conversation (self, conversation);
      return TRUE;
    }

  select_conversation_position (self, sam_conversation_list_find (list, conversation_id));
  return TRUE;
}

SamChatView *
sam_window_get_chat_view (SamWindow *self)
{
  g_return_val_if_fail (SAM_IS_WINDOW (self), NULL);

  return ensure_chat_view (self);
}
