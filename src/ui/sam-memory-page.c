/* sam-memory-page.c — Preferences → Memory: everything Samantha remembers, to review and change.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The page says in plain words what is remembered and where it comes from, lists every fact
 * (also those no longer true), lets the user search, edit, pin and forget them, approve or
 * reject the ones waiting for review, and forget everything at once. Forgetting goes through
 * the store, which really deletes.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sam-memory-page.h"

#include "sam-archive-group.h"
#include "store/sam-memory-store.h"

struct _SamMemoryPage
{
  AdwPreferencesPage parent_instance;

  SamStore *store;
  guint     n_facts;

  /* Template widgets */
  AdwPreferencesGroup *pending_group;
  GtkListBox          *pending_list;
  GtkSearchEntry      *search_entry;
  GtkListBox          *facts_list;
  GtkLabel            *empty_label;
  GtkButton           *forget_all_button;
};

G_DEFINE_FINAL_TYPE (SamMemoryPage, sam_memory_page, ADW_TYPE_PREFERENCES_PAGE)

enum
{
  PROP_0,
  PROP_STORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Shows ERROR as a toast in the preferences window, or logs it when there is none. */
static void
report_error (SamMemoryPage *self, const GError *error)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (ADW_IS_PREFERENCES_WINDOW (root))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root),
                                      adw_toast_new (error->message));
  else
    g_warning ("%s", error->message);
}

static char *
fact_subtitle (const SamFact *fact)
{
  g_autoptr (GString) subtitle = g_string_new (NULL);

  if (fact->created > 0)
    {
      g_autoptr (GDateTime) time = g_date_time_new_from_unix_local (fact->created / G_USEC_PER_SEC);
      /* Translators: when a memory was learned, in strftime(3) format */
      g_autofree char *date = g_date_time_format (time, _ ("%B %e, %Y"));

      g_string_append (subtitle, g_strstrip (date));
    }

  if (subtitle->len > 0)
    g_string_append (subtitle, " · ");
  if (fact->source_path != NULL)
    {
      g_autofree char *name = g_path_get_basename (fact->source_path);

      /* Translators: where a memory comes from; %s is a file name */
      g_string_append_printf (subtitle, _ ("From the file “%s”"), name);
    }
  else if (fact->conversation_id > 0)
    g_string_append (subtitle, _ ("From a conversation"));
  else
    g_string_append (subtitle, _ ("Added by you"));

  if (fact->sensitive)
    g_string_append_printf (subtitle, " · %s", _ ("Sensitive"));
  if (fact->valid_to >= 0)
    g_string_append_printf (subtitle, " · %s", _ ("No longer true"));

  return g_string_free (g_steal_pointer (&subtitle), FALSE);
}

static GtkWidget *
action_button_new (const char *icon_name, const char *label, const char *action_name, gint64 id)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action_name);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), g_variant_new_int64 (id));
  gtk_widget_add_css_class (button, "flat");
  return button;
}

static GtkWidget *
fact_row_new (const SamFact *fact)
{
  GtkWidget       *row = adw_action_row_new ();
  g_autofree char *name = g_strdup_printf ("fact-%" G_GINT64_FORMAT, fact->id);
  g_autofree char *subtitle = fact_subtitle (fact);

  gtk_widget_set_name (row, name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), fact->text);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  g_object_set_data_full (G_OBJECT (row), "search-key", g_utf8_casefold (fact->text, -1), g_free);
  return row;
}

static GtkWidget *
remembered_row_new (const SamFact *fact)
{
  GtkWidget *row = fact_row_new (fact);
  GtkWidget *pin;

  if (fact->pinned)
    {
      GtkWidget *icon = gtk_image_new_from_icon_name ("view-pin-symbolic");

      gtk_widget_set_tooltip_text (icon, _ ("Pinned"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _ ("Pinned"), -1);
      gtk_widget_add_css_class (icon, "accent");
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
    }

  adw_action_row_add_suffix (
      ADW_ACTION_ROW (row),
      action_button_new ("document-edit-symbolic", _ ("Edit"), "memory.edit", fact->id));
  pin = action_button_new ("view-pin-symbolic", fact->pinned ? _ ("Unpin") : _ ("Pin"),
                           "memory.toggle-pin", fact->id);
  gtk_widget_set_name (pin, "pin");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), pin);
  adw_action_row_add_suffix (
      ADW_ACTION_ROW (row),
      action_button_new ("user-trash-symbolic", _ ("Forget"), "memory.forget", fact->id));
  return row;
}

static GtkWidget *
pending_row_new (const SamFact *fact)
{
  GtkWidget *row = fact_row_new (fact);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *approve = gtk_button_new_with_mnemonic (_ ("_Approve"));
  GtkWidget *reject = gtk_button_new_with_mnemonic (_ ("_Reject"));

  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_widget_set_name (approve, "approve");
  gtk_widget_set_name (reject, "reject");
  gtk_widget_add_css_class (approve, "suggested-action");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (approve), "memory.approve");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (approve), g_variant_new_int64 (fact->id));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (reject), "memory.reject");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (reject), g_variant_new_int64 (fact->id));
  gtk_box_append (GTK_BOX (box), reject);
  gtk_box_append (GTK_BOX (box), approve);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), box);
  return row;
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    {
      if (!GTK_IS_LIST_BOX_ROW (child))
        break;
      gtk_list_box_remove (list, child);
    }
}

static void
update_empty_state (SamMemoryPage *self)
{
  if (self->n_facts == 0)
    gtk_label_set_label (self->empty_label,
                         _ ("Samantha does not remember anything yet. What it learns in your "
                            "conversations will appear here."));
  else
    gtk_label_set_label (self->empty_label, _ ("No memories match your search."));
  gtk_widget_set_visible (GTK_WIDGET (self->search_entry), self->n_facts > 0);
}

/**
 * sam_memory_page_refresh:
 *
 * Reads every fact from the store again.
 */
void
sam_memory_page_refresh (SamMemoryPage *self)
{
  g_autoptr (GPtrArray) facts = NULL;
  g_autoptr (GError) error = NULL;
  guint n_pending = 0;

  g_return_if_fail (SAM_IS_MEMORY_PAGE (self));

  clear_list (self->pending_list);
  clear_list (self->facts_list);
  self->n_facts = 0;

  if (self->store != NULL)
    facts = sam_store_list_facts (self->store, SAM_FACT_FILTER_ALL, &error);
  if (error != NULL)
    report_error (self, error);

  for (guint i = 0; facts != NULL && i < facts->len; i++)
    {
      const SamFact *fact = g_ptr_array_index (facts, i);

      if (fact->status == SAM_FACT_STATUS_PENDING_REVIEW)
        {
          gtk_list_box_append (self->pending_list, pending_row_new (fact));
          n_pending++;
        }
      else
        {
          gtk_list_box_append (self->facts_list, remembered_row_new (fact));
          self->n_facts++;
        }
    }

  gtk_widget_set_visible (GTK_WIDGET (self->pending_group), n_pending > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->forget_all_button), self->n_facts + n_pending > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "memory.forget-all",
                                 self->n_facts + n_pending > 0);
  update_empty_state (self);
  gtk_list_box_invalidate_filter (self->facts_list);
}

static gboolean
filter_func (GtkListBoxRow *row, gpointer user_data)
{
  SamMemoryPage   *self = SAM_MEMORY_PAGE (user_data);
  const char      *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  const char      *key = g_object_get_data (G_OBJECT (row), "search-key");
  g_autofree char *needle = NULL;

  if (text == NULL || *text == '\0' || key == NULL)
    return TRUE;
  needle = g_utf8_casefold (text, -1);
  return strstr (key, g_strstrip (needle)) != NULL;
}

static void
search_changed_cb (SamMemoryPage *self, GtkSearchEntry *entry)
{
  gtk_list_box_invalidate_filter (self->facts_list);
}

static void
approve_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamMemoryPage *self = SAM_MEMORY_PAGE (widget);
  g_autoptr (GError) error = NULL;

  if (self->store == NULL)
    return;
  if (!sam_store_set_fact_status (self->store, g_variant_get_int64 (parameter),
                                  SAM_FACT_STATUS_APPROVED, &error))
    report_error (self, error);
  sam_memory_page_refresh (self);
}

/* Rejecting and forgetting both really delete the fact. */
static void
forget_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamMemoryPage *self = SAM_MEMORY_PAGE (widget);
  g_autoptr (GError) error = NULL;

  if (self->store == NULL)
    return;
  if (!sam_store_forget_fact (self->store, g_variant_get_int64 (parameter), &error))
    report_error (self, error);
  sam_memory_page_refresh (self);
}

static void
toggle_pin_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamMemoryPage *self = SAM_MEMORY_PAGE (widget);
  g_autoptr (GError) error = NULL;
  g_autoptr (SamFact) fact = NULL;

  if (self->store == NULL)
    return;
  fact = sam_store_get_fact (self->store, g_variant_get_int64 (parameter), &error);
  if (fact == NULL || !sam_store_set_fact_pinned (self->store, fact->id, !fact->pinned, &error))
    report_error (self, error);
  sam_memory_page_refresh (self);
}

static void
edit_response_cb (AdwMessageDialog *dialog, const char *response, SamMemoryPage *self)
{
  GtkEditable     *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  const gint64    *id = g_object_get_data (G_OBJECT (dialog), "fact-id");
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (entry)));
  g_autoptr (GError) error = NULL;

  if (!g_str_equal (response, "save") || self->store == NULL || *text == '\0')
    return;
  if (!sam_store_set_fact_text (self->store, *id, text, &error))
    report_error (self, error);
  sam_memory_page_refresh (self);
}

static void
edit_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamMemoryPage *self = SAM_MEMORY_PAGE (widget);
  GtkRoot       *root = gtk_widget_get_root (widget);
  g_autoptr (GError) error = NULL;
  g_autoptr (SamFact) fact = NULL;
  GtkWidget *dialog;
  GtkWidget *entry;

  if (self->store == NULL)
    return;
  fact = sam_store_get_fact (self->store, g_variant_get_int64 (parameter), &error);
  if (fact == NULL)
    {
      report_error (self, error);
      return;
    }

  dialog =
      adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, _ ("Edit Memory"),
                              _ ("Samantha will remember it in your words."));
  entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (entry), fact->text);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Memory"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _ ("_Cancel"), "save",
                                    _ ("_Save"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "fact-id", g_memdup2 (&fact->id, sizeof fact->id),
                          g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (edit_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
forget_all_response_cb (AdwMessageDialog *dialog, const char *response, SamMemoryPage *self)
{
  g_autoptr (GError) error = NULL;

  if (!g_str_equal (response, "forget") || self->store == NULL)
    return;
  if (!sam_store_forget_all_memories (self->store, &error))
    report_error (self, error);
  sam_memory_page_refresh (self);
}

static void
forget_all_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  SamMemoryPage *self = SAM_MEMORY_PAGE (widget);
  GtkRoot       *root = gtk_widget_get_root (widget);
  GtkWidget     *dialog;

  dialog = adw_message_dialog_new (
      GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, _ ("Forget Everything?"),
      _ ("Samantha will forget every memory, also pinned ones and those waiting for review. "
         "Your conversations stay. This cannot be undone."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _ ("_Cancel"), "forget",
                                    _ ("_Forget Everything"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "forget",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (forget_all_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* In the preferences window the page finds the application's store itself. */
/* The window may only get its application after the page is added, so look again on map;
 * facts learned meanwhile show up too. */
static void
sam_memory_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (sam_memory_page_parent_class)->map (widget);

  sam_memory_page_refresh (SAM_MEMORY_PAGE (widget));
}

static void
sam_memory_page_dispose (GObject *object)
{
  SamMemoryPage *self = SAM_MEMORY_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SAM_TYPE_MEMORY_PAGE);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (sam_memory_page_parent_class)->dispose (object);
}

static void
sam_memory_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SamMemoryPage *self = SAM_MEMORY_PAGE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_memory_page_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SamMemoryPage *self = SAM_MEMORY_PAGE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      sam_memory_page_set_store (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_memory_page_class_init (SamMemoryPageClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  g_type_ensure (SAM_TYPE_ARCHIVE_GROUP);
  object_class->dispose = sam_memory_page_dispose;
  object_class->get_property = sam_memory_page_get_property;
  object_class->set_property = sam_memory_page_set_property;
  widget_class->map = sam_memory_page_map;

  properties[PROP_STORE] =
      g_param_spec_object ("store", NULL, NULL, SAM_TYPE_STORE,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/ui/sam-memory-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SamMemoryPage, pending_group);
  gtk_widget_class_bind_template_child (widget_class, SamMemoryPage, pending_list);
  gtk_widget_class_bind_template_child (widget_class, SamMemoryPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SamMemoryPage, facts_list);
  gtk_widget_class_bind_template_child (widget_class, SamMemoryPage, empty_label);
  gtk_widget_class_bind_template_child (widget_class, SamMemoryPage, forget_all_button);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);

  gtk_widget_class_install_action (widget_class, "memory.approve", "x", approve_action);
  gtk_widget_class_install_action (widget_class, "memory.reject", "x", forget_action);
  gtk_widget_class_install_action (widget_class, "memory.forget", "x", forget_action);
  gtk_widget_class_install_action (widget_class, "memory.toggle-pin", "x", toggle_pin_action);
  gtk_widget_class_install_action (widget_class, "memory.edit", "x", edit_action);
  gtk_widget_class_install_action (widget_class, "memory.forget-all", NULL, forget_all_action);
}

static void
sam_memory_page_init (SamMemoryPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_list_box_set_filter_func (self->facts_list, filter_func, self, NULL);
  sam_memory_page_refresh (self);
}

GtkWidget *
sam_memory_page_new (void)
{
  return g_object_new (SAM_TYPE_MEMORY_PAGE, NULL);
}

SamStore *
sam_memory_page_get_store (SamMemoryPage *self)
{
  g_return_val_if_fail (SAM_IS_MEMORY_PAGE (self), NULL);

  return self->store;
}

void
sam_memory_page_set_store (SamMemoryPage *self, SamStore *store)
{
  g_return_if_fail (SAM_IS_MEMORY_PAGE (self));
  g_return_if_fail (store == NULL || SAM_IS_STORE (store));

  if (g_set_object (&self->store, store))
    {
      sam_memory_page_refresh (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
    }
}
