/* sam-string-action.c — an action with a string parameter that may also be activated without one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* app.quick-reply takes a conversation ID from notifications ("app.quick-reply::ID"), but the
 * desktop file's "Quick Reply" action is activated over D-Bus with no parameter at all, and
 * GSimpleAction rejects that. This action takes both: no parameter means the empty string.
 * Its ::activate signal has GSimpleAction's signature. */

#include "config.h"

#include "sam-string-action.h"

struct _SamStringAction
{
  GObject parent_instance;

  char *name;
};

static void sam_string_action_iface_init (GActionInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SamStringAction,
                               sam_string_action,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_ACTION, sam_string_action_iface_init))

enum
{
  PROP_0,
  PROP_NAME,
  PROP_PARAMETER_TYPE,
  PROP_ENABLED,
  PROP_STATE_TYPE,
  PROP_STATE,
  N_PROPS
};

enum
{
  ACTIVATE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *
sam_string_action_get_name (GAction *action)
{
  return SAM_STRING_ACTION (action)->name;
}

static const GVariantType *
sam_string_action_get_parameter_type (GAction *action)
{
  return G_VARIANT_TYPE_STRING;
}

static const GVariantType *
sam_string_action_get_state_type (GAction *action)
{
  return NULL;
}

static GVariant *
sam_string_action_get_state_hint (GAction *action)
{
  return NULL;
}

static gboolean
sam_string_action_get_enabled (GAction *action)
{
  return TRUE;
}

static GVariant *
sam_string_action_get_state (GAction *action)
{
  return NULL;
}

static void
sam_string_action_change_state (GAction *action, GVariant *value)
{
}

static void
sam_string_action_activate (GAction *action, GVariant *parameter)
{
  g_autoptr (GVariant) string = NULL;

  if (parameter != NULL && g_variant_is_of_type (parameter, G_VARIANT_TYPE_STRING))
    string = g_variant_ref_sink (parameter);
  else if (parameter == NULL)
    string = g_variant_ref_sink (g_variant_new_string (""));
  else
    {
      g_critical ("Action %s takes a string, not %s", SAM_STRING_ACTION (action)->name,
                  g_variant_get_type_string (parameter));
      return;
    }

  g_signal_emit (action, signals[ACTIVATE], 0, string);
}

static void
sam_string_action_iface_init (GActionInterface *iface)
{
  iface->get_name = sam_string_action_get_name;
  iface->get_parameter_type = sam_string_action_get_parameter_type;
  iface->get_state_type = sam_string_action_get_state_type;
  iface->get_state_hint = sam_string_action_get_state_hint;
  iface->get_enabled = sam_string_action_get_enabled;
  iface->get_state = sam_string_action_get_state;
  iface->change_state = sam_string_action_change_state;
  iface->activate = sam_string_action_activate;
}

static void
sam_string_action_finalize (GObject *object)
{
  SamStringAction *self = SAM_STRING_ACTION (object);

  g_clear_pointer (&self->name, g_free);

  G_OBJECT_CLASS (sam_string_action_parent_class)->finalize (object);
}

static void
sam_string_action_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GAction *action = G_ACTION (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, sam_string_action_get_name (action));
      break;

    case PROP_PARAMETER_TYPE:
      g_value_set_boxed (value, sam_string_action_get_parameter_type (action));
      break;

    case PROP_ENABLED:
      g_value_set_boolean (value, TRUE);
      break;

    case PROP_STATE_TYPE:
      g_value_set_boxed (value, NULL);
      break;

    case PROP_STATE:
      g_value_set_variant (value, NULL);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_string_action_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SamStringAction *self = SAM_STRING_ACTION (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_free (self->name);
      self->name = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sam_string_action_class_init (SamStringActionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sam_string_action_finalize;
  object_class->get_property = sam_string_action_get_property;
  object_class->set_property = sam_string_action_set_property;

  g_object_class_install_property (
      object_class, PROP_NAME,
      g_param_spec_string ("name", NULL, NULL, NULL,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  g_object_class_override_property (object_class, PROP_PARAMETER_TYPE, "parameter-type");
  g_object_class_override_property (object_class, PROP_ENABLED, "enabled");
  g_object_class_override_property (object_class, PROP_STATE_TYPE, "state-type");
  g_object_class_override_property (object_class, PROP_STATE, "state");

  /**
   * SamStringAction::activate:
   * @self: the action
   * @parameter: a string variant, empty when the action came without a parameter
   */
  signals[ACTIVATE] = g_signal_new ("activate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_VARIANT);
}

static void
sam_string_action_init (SamStringAction *self)
{
}

GAction *
sam_string_action_new (const char *name)
{
  g_return_val_if_fail (g_action_name_is_valid (name), NULL);

  return g_object_new (SAM_TYPE_STRING_ACTION, "name", name, NULL);
}
