/* sam-tray.c — the tray icon: a StatusNotifierItem with a com.canonical.dbusmenu menu.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* GTK 4 has no status icon, and the libraries that offer one either link GTK 3 or export
 * org.gtk.Menus, which KDE and AppIndicator hosts do not read. So SamTray speaks both
 * protocols itself over GDBus. It registers with the watcher by object path, never by owning an
 * org.kde.* name, so it works in a Flatpak sandbox with only
 * --talk-name=org.kde.StatusNotifierWatcher. Every menu entry activates an action of the
 * application, the same one a notification or the command line would activate. */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-tray.h"

#define WATCHER_NAME  "org.kde.StatusNotifierWatcher"
#define WATCHER_PATH  "/StatusNotifierWatcher"
#define WATCHER_IFACE "org.kde.StatusNotifierWatcher"
#define ITEM_IFACE    "org.kde.StatusNotifierItem"
#define MENU_IFACE    "com.canonical.dbusmenu"

struct _SamTray
{
  GObject parent_instance;

  GDBusConnection *connection;
  GActionGroup    *actions;
  GCancellable    *cancellable;
  GVariant        *icon_pixmaps;
  char            *activation_token;

  guint item_registration;
  guint menu_registration;
  guint watcher_watch;
  guint watcher_subscription;
  guint menu_revision;

  guint visible : 1;
  guint watcher_present : 1;
  guint registered : 1;
  guint host_registered : 1;
  guint available : 1;
  guint needs_attention : 1;
};

G_DEFINE_FINAL_TYPE (SamTray, sam_tray, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_AVAILABLE,
  PROP_STATUS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The menu is flat and fixed; id 0 is the root. An entry with a NULL action is a separator. An
 * entry whose action has a boolean state shows a check mark. */
typedef struct
{
  int         id;
  const char *label;
  const char *action;
  const char *target;
} MenuEntry;

static const MenuEntry menu_entries[] = {
  { 1, N_ ("_Quick Reply"), "quick-reply", NULL },
  { 2, N_ ("_Open Samantha"), "open-conversation", "" },
  { 3, N_ ("_Do Not Disturb"), "do-not-disturb", NULL },
  { 4, NULL, NULL, NULL },
  { 5, N_ ("_Quit"), "quit", NULL },
};

static const char introspection_xml[] =
    "<node>"
    "  <interface name='org.kde.StatusNotifierItem'>"
    "    <property name='Category' type='s' access='read'/>"
    "    <property name='Id' type='s' access='read'/>"
    "    <property name='Title' type='s' access='read'/>"
    "    <property name='Status' type='s' access='read'/>"
    "    <property name='WindowId' type='i' access='read'/>"
    "    <property name='IconThemePath' type='s' access='read'/>"
    "    <property name='IconName' type='s' access='read'/>"
    "    <property name='IconPixmap' type='a(iiay)' access='read'/>"
    "    <property name='OverlayIconName' type='s' access='read'/>"
    "    <property name='OverlayIconPixmap' type='a(iiay)' access='read'/>"
    "    <property name='AttentionIconName' type='s' access='read'/>"
    "    <property name='AttentionIconPixmap' type='a(iiay)' access='read'/>"
    "    <property name='AttentionMovieName' type='s' access='read'/>"
    "    <property name='ToolTip' type='(sa(iiay)ss)' access='read'/>"
    "    <property name='ItemIsMenu' type='b' access='read'/>"
    "    <property name='Menu' type='o' access='read'/>"
    "    <method name='ContextMenu'>"
    "      <arg name='x' type='i' direction='in'/>"
    "      <arg name='y' type='i' direction='in'/>"
    "    </method>"
    "    <method name='Activate'>"
    "      <arg name='x' type='i' direction='in'/>"
    "      <arg name='y' type='i' direction='in'/>"
    "    </method>"
    "    <method name='SecondaryActivate'>"
    "      <arg name='x' type='i' direction='in'/>"
    "      <arg name='y' type='i' direction='in'/>"
    "    </method>"
    "    <method name='Scroll'>"
    "      <arg name='delta' type='i' direction='in'/>"
    "      <arg name='orientation' type='s' direction='in'/>"
    "    </method>"
    "    <method name='ProvideXdgActivationToken'>"
    "      <arg name='token' type='s' direction='in'/>"
    "    </method>"
    "    <signal name='NewTitle'/>"
    "    <signal name='NewIcon'/>"
    "    <signal name='NewAttentionIcon'/>"
    "    <signal name='NewOverlayIcon'/>"
    "    <signal name='NewToolTip'/>"
    "    <signal name='NewStatus'>"
    "      <arg name='status' type='s'/>"
    "    </signal>"
    "  </interface>"
    "  <interface name='com.canonical.dbusmenu'>"
    "    <property name='Version' type='u' access='read'/>"
    "    <property name='TextDirection' type='s' access='read'/>"
    "    <property name='Status' type='s' access='read'/>"
    "    <property name='IconThemePath' type='as' access='read'/>"
    "    <method name='GetLayout'>"
    "      <arg name='parentId' type='i' direction='in'/>"
    "      <arg name='recursionDepth' type='i' direction='in'/>"
    "      <arg name='propertyNames' type='as' direction='in'/>"
    "      <arg name='revision' type='u' direction='out'/>"
    "      <arg name='layout' type='(ia{sv}av)' direction='out'/>"
    "    </method>"
    "    <method name='GetGroupProperties'>"
    "      <arg name='ids' type='ai' direction='in'/>"
    "      <arg name='propertyNames' type='as' direction='in'/>"
    "      <arg name='properties' type='a(ia{sv})' direction='out'/>"
    "    </method>"
    "    <method name='GetProperty'>"
    "      <arg name='id' type='i' direction='in'/>"
    "      <arg name='name' type='s' direction='in'/>"
    "      <arg name='value' type='v' direction='out'/>"
    "    </method>"
    "    <method name='Event'>"
    "      <arg name='id' type='i' direction='in'/>"
    "      <arg name='eventId' type='s' direction='in'/>"
    "      <arg name='data' type='v' direction='in'/>"
    "      <arg name='timestamp' type='u' direction='in'/>"
    "    </method>"
    "    <method name='EventGroup'>"
    "      <arg name='events' type='a(isvu)' direction='in'/>"
    "      <arg name='idErrors' type='ai' direction='out'/>"
    "    </method>"
    "    <method name='AboutToShow'>"
    "      <arg name='id' type='i' direction='in'/>"
    "      <arg name='needUpdate' type='b' direction='out'/>"
    "    </method>"
    "    <method name='AboutToShowGroup'>"
    "      <arg name='ids' type='ai' direction='in'/>"
    "      <arg name='updatesNeeded' type='ai' direction='out'/>"
    "      <arg name='idErrors' type='ai' direction='out'/>"
    "    </method>"
    "    <signal name='ItemsPropertiesUpdated'>"
    "      <arg name='updatedProps' type='a(ia{sv})'/>"
    "      <arg name='removedProps' type='a(ias)'/>"
    "    </signal>"
    "    <signal name='LayoutUpdated'>"
    "      <arg name='revision' type='u'/>"
    "      <arg name='parent' type='i'/>"
    "    </signal>"
    "    <signal name='ItemActivationRequested'>"
    "      <arg name='id' type='i'/>"
    "      <arg name='timestamp' type='u'/>"
    "    </signal>"
    "  </interface>"
    "</node>";

static GDBusNodeInfo *
sam_tray_get_node_info (void)
{
  static GDBusNodeInfo *node_info;

  if (g_once_init_enter (&node_info))
    g_once_init_leave (&node_info, g_dbus_node_info_new_for_xml (introspection_xml, NULL));

  return node_info;
}

static const MenuEntry *
find_menu_entry (int id)
{
  for (guint i = 0; i < G_N_ELEMENTS (menu_entries); i++)
    {
      if (menu_entries[i].id == id)
        return &menu_entries[i];
    }

  return NULL;
}

static gboolean
action_is_toggle (SamTray *self, const char *action)
{
  const GVariantType *state_type;

  if (action == NULL || !g_action_group_has_action (self->actions, action))
    return FALSE;

  state_type = g_action_group_get_action_state_type (self->actions, action);
  return state_type != NULL && g_variant_type_equal (state_type, G_VARIANT_TYPE_BOOLEAN);
}

static gboolean
action_state_is_true (SamTray *self, const char *action)
{
  g_autoptr (GVariant) state = NULL;

  if (!action_is_toggle (self, action))
    return FALSE;

  state = g_action_group_get_action_state (self->actions, action);
  return state != NULL && g_variant_get_boolean (state);
}

static void
sam_tray_activate_action (SamTray *self, const char *action, const char *target)
{
  const GVariantType *parameter_type;
  GVariant           *parameter = NULL;

  if (!g_action_group_has_action (self->actions, action) ||
      !g_action_group_get_action_enabled (self->actions, action))
    return;

  parameter_type = g_action_group_get_action_parameter_type (self->actions, action);
  if (parameter_type != NULL && g_variant_type_equal (parameter_type, G_VARIANT_TYPE_STRING))
    parameter = g_variant_new_string (target ? target : "");
  else if (parameter_type != NULL)
    return;

  g_action_group_activate_action (self->actions, action, parameter);

  /* A token is good for one activation only. */
  g_clear_pointer (&self->activation_token, g_free);
}

static const char *
sam_tray_get_text_direction (void)
{
  /* The same test GTK makes, without linking GTK: RTL locales translate this to default:RTL. */
  return g_str_equal (g_dgettext ("gtk40", "default:LTR"), "default:RTL") ? "rtl" : "ltr";
}

/* The item. */

static GVariant *
sam_tray_get_tooltip (SamTray *self)
{
  const char *description;

  if (self->needs_attention)
    description = _ ("A reply is waiting");
  else if (action_state_is_true (self, "do-not-disturb"))
    description = _ ("Do not disturb is on");
  else
    description = _ ("Click for a quick reply");

  return g_variant_new ("(s@a(iiay)ss)", APP_ID "-symbolic",
                        g_variant_new_array (G_VARIANT_TYPE ("(iiay)"), NULL, 0), _ ("Samantha"),
                        description);
}

static GVariant *
sam_tray_get_pixmaps (SamTray *self)
{
  if (self->icon_pixmaps != NULL)
    return g_variant_ref (self->icon_pixmaps);

  return g_variant_new_array (G_VARIANT_TYPE ("(iiay)"), NULL, 0);
}

static GVariant *
sam_tray_get_item_property (SamTray *self, const char *name)
{
  if (g_str_equal (name, "Category"))
    return g_variant_new_string ("Communications");
  if (g_str_equal (name, "Id"))
    return g_variant_new_string (APP_ID);
  if (g_str_equal (name, "Title"))
    return g_variant_new_string (_ ("Samantha"));
  if (g_str_equal (name, "Status"))
    return g_variant_new_string (sam_tray_get_status (self));
  if (g_str_equal (name, "WindowId"))
    return g_variant_new_int32 (0);
  if (g_str_equal (name, "IconThemePath"))
    return g_variant_new_string ("");
  /* Flatpak exports only icons named after the app ID to the host's icon theme, so the name
   * works in the sandbox too; the pixmaps are for hosts that cannot find it. */
  if (g_str_equal (name, "IconName") || g_str_equal (name, "AttentionIconName"))
    return g_variant_new_string (APP_ID "-symbolic");
  if (g_str_equal (name, "IconPixmap") || g_str_equal (name, "AttentionIconPixmap"))
    return sam_tray_get_pixmaps (self);
  if (g_str_equal (name, "OverlayIconName") || g_str_equal (name, "AttentionMovieName"))
    return g_variant_new_string ("");
  if (g_str_equal (name, "OverlayIconPixmap"))
    return g_variant_new_array (G_VARIANT_TYPE ("(iiay)"), NULL, 0);
  if (g_str_equal (name, "ToolTip"))
    return sam_tray_get_tooltip (self);
  if (g_str_equal (name, "ItemIsMenu"))
    return g_variant_new_boolean (FALSE);
  if (g_str_equal (name, "Menu"))
    return g_variant_new_object_path (SAM_TRAY_MENU_PATH);

  return NULL;
}

static void
sam_tray_emit_item_signal (SamTray *self, const char *signal_name, GVariant *parameters)
{
  g_autoptr (GError) error = NULL;

  if (!g_dbus_connection_emit_signal (self->connection, NULL, SAM_TRAY_ITEM_PATH, ITEM_IFACE,
                                      signal_name, parameters, &error))
    g_debug ("Could not emit %s: %s", signal_name, error->message);
}

static void
sam_tray_item_method_call (GDBusConnection       *connection,
                           const char            *sender,
                           const char            *object_path,
                           const char            *interface_name,
                           const char            *method_name,
                           GVariant              *parameters,
                           GDBusMethodInvocation *invocation,
                           gpointer               user_data)
{
  SamTray *self = user_data;

  g_dbus_method_invocation_return_value (invocation, NULL);

  /* A left click asks quickly; a middle click opens the app. The host shows the menu itself,
   * so ContextMenu and Scroll have nothing to do. */
  if (g_str_equal (method_name, "Activate"))
    sam_tray_activate_action (self, "quick-reply", NULL);
  else if (g_str_equal (method_name, "SecondaryActivate"))
    sam_tray_activate_action (self, "open-conversation", "");
  else if (g_str_equal (method_name, "ProvideXdgActivationToken"))
    {
      g_clear_pointer (&self->activation_token, g_free);
      g_variant_get (parameters, "(s)", &self->activation_token);
    }
}

static GVariant *
sam_tray_item_get_property (GDBusConnection *connection,
                            const char      *sender,
                            const char      *object_path,
                            const char      *interface_name,
                            const char      *property_name,
                            GError         **error,
                            gpointer         user_data)
{
  GVariant *value = sam_tray_get_item_property (user_data, property_name);

  if (value == NULL)
    g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "No property %s",
                 property_name);

  return value;
}

static const GDBusInterfaceVTable item_vtable = {
  sam_tray_item_method_call,
  sam_tray_item_get_property,
  NULL,
};

/* The menu. */

static gboolean
want_property (const char *const *names, const char *name)
{
  return names == NULL || names[0] == NULL || g_strv_contains (names, name);
}

static GVariant *
sam_tray_menu_entry_properties (SamTray *self, int id, const char *const *names)
{
  const MenuEntry *entry = find_menu_entry (id);
  GVariantDict     dict;

  g_variant_dict_init (&dict, NULL);

  if (id == 0)
    {
      if (want_property (names, "children-display"))
        g_variant_dict_insert (&dict, "children-display", "s", "submenu");
    }
  else if (entry->action == NULL)
    {
      if (want_property (names, "type"))
        g_variant_dict_insert (&dict, "type", "s", "separator");
    }
  else
    {
      gboolean enabled = g_action_group_has_action (self->actions, entry->action) &&
                         g_action_group_get_action_enabled (self->actions, entry->action);

      if (want_property (names, "label"))
        g_variant_dict_insert (&dict, "label", "s", _ (entry->label));
      if (want_property (names, "enabled"))
        g_variant_dict_insert (&dict, "enabled", "b", enabled);
      if (want_property (names, "visible"))
        g_variant_dict_insert (&dict, "visible", "b", TRUE);
      if (action_is_toggle (self, entry->action))
        {
          if (want_property (names, "toggle-type"))
            g_variant_dict_insert (&dict, "toggle-type", "s", "checkmark");
          if (want_property (names, "toggle-state"))
            g_variant_dict_insert (&dict, "toggle-state", "i",
                                   action_state_is_true (self, entry->action) ? 1 : 0);
        }
    }

  return g_variant_dict_end (&dict);
}

static GVariant *
sam_tray_menu_layout (SamTray *self, int id, int depth, const char *const *names)
{
  GVariantBuilder children;

  g_variant_builder_init (&children, G_VARIANT_TYPE ("av"));

  if (id == 0 && depth != 0)
    {
      for (guint i = 0; i < G_N_ELEMENTS (menu_entries); i++)
        g_variant_builder_add (&children, "v",
                               sam_tray_menu_layout (self, menu_entries[i].id, depth - 1, names));
    }

  return g_variant_new ("(i@a{sv}av)", id, sam_tray_menu_entry_properties (self, id, names),
                        &children);
}

static gboolean
menu_id_is_valid (int id)
{
  return id == 0 || find_menu_entry (id) != NULL;
}

/* Returns whether @id exists; runs its action for a "clicked" event. */
static gboolean
sam_tray_menu_event (SamTray *self, int id, const char *event_id)
{
  const MenuEntry *entry;

  if (!menu_id_is_valid (id))
    return FALSE;

  entry = find_menu_entry (id);
  if (entry != NULL && entry->action != NULL && g_str_equal (event_id, "clicked"))
    sam_tray_activate_action (self, entry->action, entry->target);

  return TRUE;
}

static void
sam_tray_menu_get_layout (SamTray *self, GVariant *parameters, GDBusMethodInvocation *invocation)
{
  g_autofree const char **names = NULL;
  int                     parent_id;
  int                     depth;

  g_variant_get (parameters, "(ii^a&s)", &parent_id, &depth, &names);

  if (!menu_id_is_valid (parent_id))
    {
      g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                             "No menu item %d", parent_id);
      return;
    }

  g_dbus_method_invocation_return_value (
      invocation,
      g_variant_new ("(u@(ia{sv}av))", self->menu_revision,
                     sam_tray_menu_layout (self, parent_id, depth, (const char *const *) names)));
}

static void
sam_tray_menu_get_group_properties (SamTray               *self,
                                    GVariant              *parameters,
                                    GDBusMethodInvocation *invocation)
{
  g_autoptr (GVariantIter) ids = NULL;
  g_autofree const char **names = NULL;
  GVariantBuilder         builder;
  gboolean                any = FALSE;
  int                     id;

  g_variant_get (parameters, "(ai^a&s)", &ids, &names);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ia{sv})"));

  while (g_variant_iter_next (ids, "i", &id))
    {
      any = TRUE;
      if (menu_id_is_valid (id))
        g_variant_builder_add (
            &builder, "(i@a{sv})", id,
            sam_tray_menu_entry_properties (self, id, (const char *const *) names));
    }

  /* An empty list asks for every item. */
  if (!any)
    {
      for (guint i = 0; i < G_N_ELEMENTS (menu_entries); i++)
        g_variant_builder_add (
            &builder, "(i@a{sv})", menu_entries[i].id,
            sam_tray_menu_entry_properties (self, menu_entries[i].id, (const char *const *) names));
    }

  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(a(ia{sv}))", &builder));
}

static void
sam_tray_menu_get_property (SamTray *self, GVariant *parameters, GDBusMethodInvocation *invocation)
{
  g_autoptr (GVariant) entry_properties = NULL;
  g_autoptr (GVariant) value = NULL;
  const char *name;
  int         id;

  g_variant_get (parameters, "(i&s)", &id, &name);

  if (menu_id_is_valid (id))
    {
      entry_properties = sam_tray_menu_entry_properties (self, id, NULL);
      value = g_variant_lookup_value (entry_properties, name, NULL);
    }

  if (value == NULL)
    {
      g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                             "Menu item %d has no property %s", id, name);
      return;
    }

  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(v)", value));
}

static void
sam_tray_menu_method_call (GDBusConnection       *connection,
                           const char            *sender,
                           const char            *object_path,
                           const char            *interface_name,
                           const char            *method_name,
                           GVariant              *parameters,
                           GDBusMethodInvocation *invocation,
                           gpointer               user_data)
{
  SamTray *self = user_data;

  if (g_str_equal (method_name, "GetLayout"))
    sam_tray_menu_get_layout (self, parameters, invocation);
  else if (g_str_equal (method_name, "GetGroupProperties"))
    sam_tray_menu_get_group_properties (self, parameters, invocation);
  else if (g_str_equal (method_name, "GetProperty"))
    sam_tray_menu_get_property (self, parameters, invocation);
  else if (g_str_equal (method_name, "Event"))
    {
      g_autofree char *event_id = NULL;
      int              id;

      g_variant_get (parameters, "(isvu)", &id, &event_id, NULL, NULL);

      if (!menu_id_is_valid (id))
        {
          g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR,
                                                 G_DBUS_ERROR_INVALID_ARGS, "No menu item %d", id);
          return;
        }

      /* Reply first: the action may be Quit. */
      g_dbus_method_invocation_return_value (invocation, NULL);
      sam_tray_menu_event (self, id, event_id);
    }
  else if (g_str_equal (method_name, "EventGroup"))
    {
      g_autoptr (GVariantIter) events = NULL;
      g_autoptr (GArray) clicked = g_array_new (FALSE, FALSE, sizeof (int));
      GVariantBuilder errors;
      const char     *event_id;
      int             id;

      g_variant_get (parameters, "(a(isvu))", &events);
      g_variant_builder_init (&errors, G_VARIANT_TYPE ("ai"));

      while (g_variant_iter_next (events, "(i&svu)", &id, &event_id, NULL, NULL))
        {
          if (!menu_id_is_valid (id))
            g_variant_builder_add (&errors, "i", id);
          else if (g_str_equal (event_id, "clicked"))
            g_array_append_val (clicked, id);
        }

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ai)", &errors));

      for (guint i = 0; i < clicked->len; i++)
        sam_tray_menu_event (self, g_array_index (clicked, int, i), "clicked");
    }
  else if (g_str_equal (method_name, "AboutToShow"))
    {
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(b)", FALSE));
    }
  else if (g_str_equal (method_name, "AboutToShowGroup"))
    {
      g_autoptr (GVariantIter) ids = NULL;
      GVariantBuilder updates;
      GVariantBuilder errors;
      int             id;

      g_variant_get (parameters, "(ai)", &ids);
      g_variant_builder_init (&updates, G_VARIANT_TYPE ("ai"));
      g_variant_builder_init (&errors, G_VARIANT_TYPE ("ai"));

      while (g_variant_iter_next (ids, "i", &id))
        {
          if (!menu_id_is_valid (id))
            g_variant_builder_add (&errors, "i", id);
        }

      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(aiai)", &updates, &errors));
    }
  else
    g_assert_not_reached ();
}

static GVariant *
sam_tray_menu_get_dbus_property (GDBusConnection *connection,
                                 const char      *sender,
                                 const char      *object_path,
                                 const char      *interface_name,
                                 const char      *property_name,
                                 GError         **error,
                                 gpointer         user_data)
{
  if (g_str_equal (property_name, "Version"))
    return g_variant_new_uint32 (3);
  if (g_str_equal (property_name, "TextDirection"))
    return g_variant_new_string (sam_tray_get_text_direction ());
  if (g_str_equal (property_name, "Status"))
    return g_variant_new_string ("normal");
  if (g_str_equal (property_name, "IconThemePath"))
    return g_variant_new_strv (NULL, 0);

  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "No property %s", property_name);
  return NULL;
}

static const GDBusInterfaceVTable menu_vtable = {
  sam_tray_menu_method_call,
  sam_tray_menu_get_dbus_property,
  NULL,
};

/* Keeping the menu and tooltip in step with the actions. */

static void
sam_tray_action_changed (SamTray *self, const char *action_name)
{
  GVariantBuilder updated;
  gboolean        found = FALSE;

  g_variant_builder_init (&updated, G_VARIANT_TYPE ("a(ia{sv})"));

  for (guint i = 0; i < G_N_ELEMENTS (menu_entries); i++)
    {
      if (g_strcmp0 (menu_entries[i].action, action_name) == 0)
        {
          g_variant_builder_add (&updated, "(i@a{sv})", menu_entries[i].id,
                                 sam_tray_menu_entry_properties (self, menu_entries[i].id, NULL));
          found = TRUE;
        }
    }

  if (!found)
    {
      g_variant_builder_clear (&updated);
      return;
    }

  g_dbus_connection_emit_signal (
      self->connection, NULL, SAM_TRAY_MENU_PATH, MENU_IFACE, "ItemsPropertiesUpdated",
      g_variant_new ("(a(ia{sv})@a(ias))", &updated,
                     g_variant_new_array (G_VARIANT_TYPE ("(ias)"), NULL, 0)),
      NULL);

  if (g_str_equal (action_name, "do-not-disturb"))
    sam_tray_emit_item_signal (self, "NewToolTip", NULL);
}

static void
action_added_cb (GActionGroup *group, const char *action_name, gpointer user_data)
{
  sam_tray_action_changed (user_data, action_name);
}

static void
action_enabled_changed_cb (GActionGroup *group,
                           const char   *action_name,
                           gboolean      enabled,
                           gpointer      user_data)
{
  sam_tray_action_changed (user_data, action_name);
}

static void
action_state_changed_cb (GActionGroup *group,
                         const char   *action_name,
                         GVariant     *state,
                         gpointer      user_data)
{
  sam_tray_action_changed (user_data, action_name);
}

/* Registering with the watcher. */

static void
sam_tray_update_available (SamTray *self)
{
  gboolean available =
      self->visible && self->watcher_present && self->registered && self->host_registered;

  if (available == self->available)
    return;

  self->available = available;
  g_debug ("Tray %s", available ? "available" : "unavailable");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AVAILABLE]);
}

static void
get_host_registered_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) value = NULL;
  SamTray *self = user_data;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* A watcher without the property still shows items. */
  if (reply != NULL)
    {
      g_variant_get (reply, "(v)", &value);
      self->host_registered =
          !g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN) || g_variant_get_boolean (value);
    }
  else
    self->host_registered = TRUE;

  sam_tray_update_available (self);
}

static void
sam_tray_query_host (SamTray *self)
{
  g_dbus_connection_call (self->connection, WATCHER_NAME, WATCHER_PATH,
                          "org.freedesktop.DBus.Properties", "Get",
                          g_variant_new ("(ss)", WATCHER_IFACE, "IsStatusNotifierHostRegistered"),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable,
                          get_host_registered_cb, self);
}

static void
register_item_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  SamTray *self = user_data;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (reply == NULL)
    {
      g_debug ("The tray watcher refused the item: %s", error->message);
      self->registered = FALSE;
      sam_tray_update_available (self);
      return;
    }

  self->registered = TRUE;
  sam_tray_query_host (self);
}

static void
sam_tray_register (SamTray *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  self->registered = FALSE;

  /* By object path: the watcher pairs it with our unique name, so we need to own no name. */
  g_dbus_connection_call (self->connection, WATCHER_NAME, WATCHER_PATH, WATCHER_IFACE,
                          "RegisterStatusNotifierItem", g_variant_new ("(s)", SAM_TRAY_ITEM_PATH),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable, register_item_cb,
                          self);
}

static void
watcher_appeared_cb (GDBusConnection *connection,
                     const char      *name,
                     const char      *name_owner,
                     gpointer         user_data)
{
  SamTray *self = user_data;

  self->watcher_present = TRUE;

  /* A watcher that (re)appears knows no items: register again. */
  if (self->visible)
    sam_tray_register (self);
}

static void
watcher_vanished_cb (GDBusConnection *connection, const char *name, gpointer user_data)
{
  SamTray *self = user_data;

  g_cancellable_cancel (self->cancellable);
  self->watcher_present = FALSE;
  self->registered = FALSE;
  sam_tray_update_available (self);
}

static void
watcher_signal_cb (GDBusConnection *connection,
                   const char      *sender_name,
                   const char      *object_path,
                   const char      *interface_name,
                   const char      *signal_name,
                   GVariant        *parameters,
                   gpointer         user_data)
{
  SamTray *self = user_data;

  if (!self->registered)
    return;

  if (g_str_equal (signal_name, "StatusNotifierHostRegistered"))
    {
      self->host_registered = TRUE;
      sam_tray_update_available (self);
    }
  else if (g_str_equal (signal_name, "StatusNotifierHostUnregistered"))
    sam_tray_query_host (self);
}

static void
sam_tray_dispose (GObject *object)
{
  SamTray *self = SAM_TRAY (object);

  g_cancellable_cancel (self->cancellable);

  if (self->actions != NULL)
    g_signal_handlers_disconnect_by_data (self->actions, self);

  if (self->connection != NULL)
    {
      if (self->item_registration)
        g_dbus_connection_unregister_object (self->connection, self->item_registration);
      if (self->menu_registration)
        g_dbus_connection_unregister_object (self->connection, self->menu_registration);
      if (self->watcher_subscription)
        g_dbus_connection_signal_unsubscribe (self->connection, self->watcher_subscription);
      self->item_registration = 0;
      self->menu_registration = 0;
      self->watcher_subscription = 0;
    }

  g_clear_handle_id (&self->watcher_watch, g_bus_unwatch_name);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->actions);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->icon_pixmaps, g_variant_unref);
  g_clear_pointer (&self->activation_token, g_free);

  G_OBJECT_CLASS (sam_tray_parent_class)->dispose (object);
}

static void
sam_tray_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SamTray *self = SAM_TRAY (object);

  switch (prop_id)
    {
    case PROP_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;

    case PROP_STATUS:
      g_value_set_string (value, sam_tray_get_status (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_tray_class_init (SamTrayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sam_tray_dispose;
  object_class->get_property = sam_tray_get_property;

  /**
   * SamTray:available:
   *
   * Whether a tray host shows the icon. When it does not, nothing may hide into the tray.
   */
  properties[PROP_AVAILABLE] =
      g_param_spec_boolean ("available", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_STATUS] =
      g_param_spec_string ("status", NULL, NULL, "Active",
                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sam_tray_init (SamTray *self)
{
  self->visible = TRUE;
  self->menu_revision = 1;
  self->cancellable = g_cancellable_new ();
}

/**
 * sam_tray_new:
 * @connection: the session bus connection of the application
 * @actions: the actions the menu and clicks activate: quick-reply, open-conversation (s),
 *   do-not-disturb (boolean state) and quit
 *
 * Exports the item and its menu on @connection and registers the item with the tray watcher
 * whenever one appears.
 *
 * Returns: (transfer full): the tray, or %NULL if the objects could not be exported
 */
SamTray *
sam_tray_new (GDBusConnection *connection, GActionGroup *actions, GError **error)
{
  g_autoptr (SamTray) self = NULL;
  GDBusNodeInfo *node_info = sam_tray_get_node_info ();

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  g_return_val_if_fail (G_IS_ACTION_GROUP (actions), NULL);

  self = g_object_new (SAM_TYPE_TRAY, NULL);
  self->connection = g_object_ref (connection);
  self->actions = g_object_ref (actions);

  self->item_registration = g_dbus_connection_register_object (
      connection, SAM_TRAY_ITEM_PATH, g_dbus_node_info_lookup_interface (node_info, ITEM_IFACE),
      &item_vtable, self, NULL, error);
  if (self->item_registration == 0)
    return NULL;

  self->menu_registration = g_dbus_connection_register_object (
      connection, SAM_TRAY_MENU_PATH, g_dbus_node_info_lookup_interface (node_info, MENU_IFACE),
      &menu_vtable, self, NULL, error);
  if (self->menu_registration == 0)
    return NULL;

  g_signal_connect_object (actions, "action-added", G_CALLBACK (action_added_cb), self, 0);
  g_signal_connect_object (actions, "action-removed", G_CALLBACK (action_added_cb), self, 0);
  g_signal_connect_object (actions, "action-enabled-changed",
                           G_CALLBACK (action_enabled_changed_cb), self, 0);
  g_signal_connect_object (actions, "action-state-changed", G_CALLBACK (action_state_changed_cb),
                           self, 0);

  self->watcher_subscription = g_dbus_connection_signal_subscribe (
      connection, WATCHER_NAME, WATCHER_IFACE, NULL, WATCHER_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
      watcher_signal_cb, self, NULL);

  self->watcher_watch =
      g_bus_watch_name_on_connection (connection, WATCHER_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                      watcher_appeared_cb, watcher_vanished_cb, self, NULL);

  return g_steal_pointer (&self);
}

gboolean
sam_tray_get_available (SamTray *self)
{
  g_return_val_if_fail (SAM_IS_TRAY (self), FALSE);

  return self->available;
}

/* The item's Status: NeedsAttention while a reply waits, otherwise Active. */
const char *
sam_tray_get_status (SamTray *self)
{
  g_return_val_if_fail (SAM_IS_TRAY (self), NULL);

  if (!self->visible)
    return "Passive";

  return self->needs_attention ? "NeedsAttention" : "Active";
}

/**
 * sam_tray_set_visible:
 *
 * Shows or hides the icon. The protocol cannot take an item back from the watcher, so a hidden
 * item stays registered with the status Passive, which hosts do not show.
 */
void
sam_tray_set_visible (SamTray *self, gboolean visible)
{
  g_return_if_fail (SAM_IS_TRAY (self));

  visible = !!visible;
  if (self->visible == visible)
    return;

  self->visible = visible;
  sam_tray_emit_item_signal (self, "NewStatus", g_variant_new ("(s)", sam_tray_get_status (self)));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);

  if (visible && self->watcher_present && !self->registered)
    sam_tray_register (self);

  sam_tray_update_available (self);
}

gboolean
sam_tray_get_visible (SamTray *self)
{
  g_return_val_if_fail (SAM_IS_TRAY (self), FALSE);

  return self->visible;
}

void
sam_tray_set_needs_attention (SamTray *self, gboolean needs_attention)
{
  g_return_if_fail (SAM_IS_TRAY (self));

  needs_attention = !!needs_attention;
  if (self->needs_attention == needs_attention)
    return;

  self->needs_attention = needs_attention;
  sam_tray_emit_item_signal (self, "NewStatus", g_variant_new ("(s)", sam_tray_get_status (self)));
  sam_tray_emit_item_signal (self, "NewToolTip", NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

/**
 * sam_tray_set_icon_pixmaps:
 * @pixmaps: an `a(iiay)`: width, height and ARGB32 pixels in network byte order, for hosts
 *   that cannot find the icon by name
 */
void
sam_tray_set_icon_pixmaps (SamTray *self, GVariant *pixmaps)
{
  g_return_if_fail (SAM_IS_TRAY (self));
  g_return_if_fail (pixmaps == NULL || g_variant_is_of_type (pixmaps, G_VARIANT_TYPE ("a(iiay)")));

  g_clear_pointer (&self->icon_pixmaps, g_variant_unref);
  if (pixmaps != NULL)
    self->icon_pixmaps = g_variant_ref_sink (pixmaps);

  sam_tray_emit_item_signal (self, "NewIcon", NULL);
}

/* The XDG activation token the host gave with its last click, so the window the click opens
 * may take focus on Wayland; %NULL once that click's action ran. */
const char *
sam_tray_get_activation_token (SamTray *self)
{
  g_return_val_if_fail (SAM_IS_TRAY (self), NULL);

  return self->activation_token;
}
