/* sam-import.c — importing a ChatGPT data export or Samantha's own export into the store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two passes: the whole file is read and checked into plain structs first, then written in
 * one transaction. A malformed file therefore touches nothing, and the write lock is held
 * only for the inserts.
 *
 * ChatGPT's conversations.json is a top-level array; it can be hundreds of megabytes, so the
 * array is split into its elements by a small scanner over the mapped file and each element is
 * parsed on its own: memory stays near the size of one conversation's JSON tree plus the text
 * that is kept. Of each conversation's message tree only the branch the user last saw is kept
 * (current_node up through its parents), the way ChatGPT shows it; hidden, empty and tool
 * messages are left out.
 */

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "sam-import.h"
#include "sam-store-private.h"

typedef struct
{
  SamMessageRole  role;
  SamMessageState state;
  char           *content;
  gint64          created;
  char           *model;
  char           *finish_reason;
  char           *error;
  gint64          tokens_in;
  gint64          tokens_out;
} ImportMessage;

typedef struct
{
  char               *uuid;
  char               *title;
  char               *draft;
  SamConversationKind kind;
  gint64              created;
  gint64              updated;
  gboolean            pinned;
  GPtrArray          *messages;
} ImportConversation;

typedef struct
{
  GFile         *file;
  char          *path;
  SamImportStats stats;
} ImportData;

static void
import_message_free (gpointer data)
{
  ImportMessage *message = data;

  g_free (message->content);
  g_free (message->model);
  g_free (message->finish_reason);
  g_free (message->error);
  g_free (message);
}

static void
import_conversation_free (gpointer data)
{
  ImportConversation *conversation = data;

  g_free (conversation->uuid);
  g_free (conversation->title);
  g_free (conversation->draft);
  g_ptr_array_unref (conversation->messages);
  g_free (conversation);
}

static ImportConversation *
import_conversation_new (void)
{
  ImportConversation *conversation = g_new0 (ImportConversation, 1);

  conversation->messages = g_ptr_array_new_with_free_func (import_message_free);
  return conversation;
}

static void
import_data_free (gpointer data)
{
  ImportData *import = data;

  g_clear_object (&import->file);
  g_free (import->path);
  g_free (import);
}

static void G_GNUC_PRINTF (3, 4) malformed (GError **error, GFile *file, const char *format, ...)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *reason = NULL;
  va_list          args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  /* Translators: the first %s is a file name, the second says what is wrong with it. */
  g_set_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_MALFORMED,
               _ ("Nothing was imported: “%s” is not a valid export. %s"), name, reason);
}

/* "conversation 3 (“Title”)" for error messages. */
static char *
describe_conversation (guint index, const char *title)
{
  if (title && *title)
    /* Translators: names a conversation in an error message: its number and its title. */
    return g_strdup_printf (_ ("Conversation %u (“%s”)"), index + 1, title);
  /* Translators: names an untitled conversation in an error message by its number. */
  return g_strdup_printf (_ ("Conversation %u"), index + 1);
}

static const char *
get_string_member (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

static JsonObject *
get_object_member (JsonObject *object, const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* ChatGPT writes times as seconds since the epoch, with a fraction; -1 if absent. */
static gint64
get_seconds_member (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  double    seconds;
  double    whole;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return -1;
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    seconds = json_node_get_double (node);
  else if (json_node_get_value_type (node) == G_TYPE_INT64)
    seconds = json_node_get_int (node);
  else
    return -1;
  if (!isfinite (seconds) || seconds < 0 || seconds > 1e11)
    return -1;

  /* Whole seconds and the fraction apart: seconds × 10⁶ as one double is off by a rounding
   * step (0.25 µs at today's times), which can move the result a microsecond. */
  whole = floor (seconds);
  return (gint64) whole * G_USEC_PER_SEC + llround ((seconds - whole) * G_USEC_PER_SEC);
}

/* Samantha's own export: ISO 8601. */
static gboolean
parse_time (const char *iso, gint64 *usec)
{
  g_autoptr (GDateTime) time = NULL;

  if (iso == NULL || !(time = g_date_time_new_from_iso8601 (iso, NULL)))
    return FALSE;
  *usec = g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
  return TRUE;
}

/* ChatGPT */

/* The visible text of a ChatGPT message, or NULL for one the user never saw as text. */
static char *
chatgpt_message_text (JsonObject *message, gboolean *ok)
{
  JsonObject *content = get_object_member (message, "content");
  JsonObject *metadata = get_object_member (message, "metadata");
  const char *type;
  const char *recipient = get_string_member (message, "recipient");
  JsonNode   *parts_node;
  JsonArray  *parts;
  GString    *text;

  *ok = TRUE;

  /* Calls to tools (browsing, code, images) and what the model did behind the scenes. */
  if (recipient && strcmp (recipient, "all") != 0)
    return NULL;
  if (metadata && json_object_has_member (metadata, "is_visually_hidden_from_conversation") &&
      json_object_get_boolean_member_with_default (metadata, "is_visually_hidden_from_conversation",
                                                   FALSE))
    return NULL;

  if (content == NULL)
    {
      *ok = !json_object_has_member (message, "content") ||
            JSON_NODE_HOLDS_NULL (json_object_get_member (message, "content"));
      return NULL;
    }

  type = get_string_member (content, "content_type");
  if (type && strcmp (type, "code") == 0)
    return g_strdup (get_string_member (content, "text"));
  if (type && strcmp (type, "text") != 0 && strcmp (type, "multimodal_text") != 0)
    return NULL;

  parts_node = json_object_get_member (content, "parts");
  if (parts_node == NULL || JSON_NODE_HOLDS_NULL (parts_node))
    return NULL;
  if (!JSON_NODE_HOLDS_ARRAY (parts_node))
    {
      *ok = FALSE;
      return NULL;
    }

  parts = json_node_get_array (parts_node);
  text = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (parts); i++)
    {
      JsonNode *part = json_array_get_element (parts, i);

      /* Images and files are objects; only the text comes along. */
      if (JSON_NODE_HOLDS_VALUE (part) && json_node_get_value_type (part) == G_TYPE_STRING)
        {
          if (text->len)
            g_string_append (text, "\n\n");
          g_string_append (text, json_node_get_string (part));
        }
    }
  return g_string_free (text, FALSE);
}

static gboolean
is_blank (const char *text)
{
  for (; text && *text; text = g_utf8_next_char (text))
    if (!g_unichar_isspace (g_utf8_get_char (text)))
      return FALSE;
  return TRUE;
}

static ImportConversation *
chatgpt_conversation (JsonNode *node, guint index, GFile *file, GError **error)
{
  ImportConversation *conversation = NULL;
  g_autoptr (GPtrArray) branch = g_ptr_array_new ();
  g_autofree char *who = NULL;
  JsonObject      *object;
  JsonObject      *mapping;
  const char      *current;
  const char      *id;
  gint64           last_time;
  guint            n_nodes;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      /* Translators: %u is the number of a conversation in the file. */
      malformed (error, file, _ ("Conversation %u is not a JSON object."), index + 1);
      return NULL;
    }
  object = json_node_get_object (node);
  who = describe_conversation (index, get_string_member (object, "title"));

  if (!(mapping = get_object_member (object, "mapping")))
    {
      /* Translators: %s names a conversation, as in “Conversation 3 (“Title”)”. */
      malformed (error, file, _ ("%s has no message tree (“mapping”)."), who);
      return NULL;
    }
  n_nodes = json_object_get_size (mapping);

  current = get_string_member (object, "current_node");
  if (current == NULL && n_nodes > 0)
    {
      /* No current node: follow the last child from the root, as ChatGPT shows by default. */
      g_autoptr (GList) members = json_object_get_members (mapping);

      for (GList *l = members; l; l = l->next)
        {
          JsonObject *candidate = get_object_member (mapping, l->data);
          if (candidate && get_string_member (candidate, "parent") == NULL)
            {
              current = l->data;
              break;
            }
        }
      for (guint steps = 0; current && steps < n_nodes; steps++)
        {
          JsonObject *at = get_object_member (mapping, current);
          JsonArray  *children = at && json_object_has_member (at, "children")
                                     ? json_object_get_array_member (at, "children")
                                     : NULL;
          guint       n_children = children ? json_array_get_length (children) : 0;
          const char *next =
              n_children ? json_array_get_string_element (children, n_children - 1) : NULL;

          if (next == NULL || !json_object_has_member (mapping, next))
            break;
          current = next;
        }
    }
  if (current && !json_object_has_member (mapping, current))
    {
      /* Translators: %s names a conversation; “current_node” is a field of the file. */
      malformed (error, file, _ ("%s points its “current_node” to a message that is not there."),
                 who);
      return NULL;
    }

  /* Walk up from the current node to the root; this is the branch the user last saw. */
  for (const char *at = current; at;)
    {
      JsonObject *tree_node = get_object_member (mapping, at);

      if (tree_node == NULL)
        {
          malformed (error, file, _ ("%s has a message that is not a JSON object."), who);
          return NULL;
        }
      if (branch->len >= n_nodes)
        {
          malformed (error, file, _ ("%s has a message tree that loops back on itself."), who);
          return NULL;
        }
      g_ptr_array_add (branch, tree_node);

      at = get_string_member (tree_node, "parent");
      if (at && !json_object_has_member (mapping, at))
        {
          malformed (error, file, _ ("%s has a message whose parent is missing."), who);
          return NULL;
        }
    }

  conversation = import_conversation_new ();
  id = get_string_member (object, "conversation_id");
  if (id == NULL)
    id = get_string_member (object, "id");
  conversation->uuid = g_strdup (id);
  conversation->title = g_strdup (get_string_member (object, "title"));
  conversation->kind = SAM_CONVERSATION_KIND_NORMAL;
  conversation->created = get_seconds_member (object, "create_time");
  conversation->updated = get_seconds_member (object, "update_time");
  last_time = conversation->created;

  for (guint i = branch->len; i-- > 0;)
    {
      JsonObject      *tree_node = g_ptr_array_index (branch, i);
      JsonNode        *message_node = json_object_get_member (tree_node, "message");
      JsonObject      *message;
      JsonObject      *author;
      JsonObject      *metadata;
      JsonObject      *finish;
      ImportMessage   *imported;
      g_autofree char *text = NULL;
      const char      *role_name;
      SamMessageRole   role;
      gboolean         ok;
      gint64           created;

      if (message_node == NULL || JSON_NODE_HOLDS_NULL (message_node))
        continue;
      if (!JSON_NODE_HOLDS_OBJECT (message_node))
        {
          malformed (error, file, _ ("%s has a message that is not a JSON object."), who);
          goto failed;
        }
      message = json_node_get_object (message_node);
      author = get_object_member (message, "author");
      role_name = author ? get_string_member (author, "role") : NULL;
      if (role_name == NULL)
        {
          malformed (error, file, _ ("%s has a message without an author role."), who);
          goto failed;
        }

      text = chatgpt_message_text (message, &ok);
      if (!ok)
        {
          malformed (error, file, _ ("%s has a message whose content is not text."), who);
          goto failed;
        }

      created = get_seconds_member (message, "create_time");
      if (created >= 0)
        last_time = created;

      /* Tool output, system prompts nobody saw, and blank messages are left out. */
      if (!sam_message_role_from_string (role_name, &role) || role == SAM_MESSAGE_ROLE_TOOL ||
          text == NULL || is_blank (text))
        continue;

      metadata = get_object_member (message, "metadata");
      finish = get_object_member (metadata, "finish_details");

      imported = g_new0 (ImportMessage, 1);
      imported->role = role;
      imported->state = SAM_MESSAGE_STATE_COMPLETE;
      imported->content = g_steal_pointer (&text);
      imported->created = created >= 0 ? created : last_time;
      imported->model = g_strdup (metadata ? get_string_member (metadata, "model_slug") : NULL);
      imported->finish_reason = g_strdup (finish ? get_string_member (finish, "type") : NULL);
      imported->tokens_in = imported->tokens_out = -1;
      g_ptr_array_add (conversation->messages, imported);
    }

  /* Fill in missing times from the messages, or the other way round. */
  if (conversation->messages->len > 0)
    {
      ImportMessage *first = g_ptr_array_index (conversation->messages, 0);
      ImportMessage *last =
          g_ptr_array_index (conversation->messages, conversation->messages->len - 1);

      if (conversation->created < 0)
        conversation->created = first->created;
      if (conversation->updated < 0)
        conversation->updated = MAX (last->created, conversation->created);
    }
  if (conversation->created < 0)
    conversation->created = conversation->updated >= 0 ? conversation->updated : g_get_real_time ();
  if (conversation->updated < 0)
    conversation->updated = conversation->created;
  for (guint i = 0; i < conversation->messages->len; i++)
    {
      ImportMessage *imported = g_ptr_array_index (conversation->messages, i);
      if (imported->created < 0)
        imported->created = conversation->created;
    }

  return conversation;

failed:
  import_conversation_free (conversation);
  return NULL;
}

static const char *
skip_space (const char *p, const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    p++;
  return p;
}

/* The end of the string starting at P (at its opening quote), or NULL if the file ends first. */
static const char *
scan_string (const char *p, const char *end)
{
  for (p++; p < end && *p != '"'; p++)
    if (*p == '\\')
      p++;
  return p < end ? p + 1 : NULL;
}

/* The end of the JSON value starting at P, or NULL if the file ends first. Only strings and
 * nesting are followed; json-glib checks each value it is given. */
static const char *
scan_value (const char *p, const char *end)
{
  int depth = 0;

  if (p >= end)
    return NULL;
  if (*p == '"')
    return scan_string (p, end);
  if (*p != '{' && *p != '[')
    {
      while (p < end && !strchr (",]} \t\r\n", *p))
        p++;
      return p;
    }

  for (; p < end; p++)
    {
      if (*p == '"')
        {
          if (!(p = scan_string (p, end)))
            return NULL;
          p--;
        }
      else if (*p == '{' || *p == '[')
        depth++;
      else if ((*p == '}' || *p == ']') && --depth == 0)
        return p + 1;
    }
  return NULL;
}

typedef ImportConversation *(*ConvertFunc) (JsonNode *node,
                                            guint     index,
                                            GFile    *file,
                                            GError  **error);

/* Reads the array at *POSITION one element at a time, each parsed and converted on its own,
 * so memory stays near the size of one conversation however large the file is. */
static GPtrArray *
read_array (const char  **position,
            const char   *end,
            const char   *data,
            ConvertFunc   convert,
            GFile        *file,
            GCancellable *cancellable,
            GError      **error)
{
  g_autoptr (GPtrArray) conversations = g_ptr_array_new_with_free_func (import_conversation_free);
  const char *p = skip_space (*position, end);

  if (p >= end || *p != '[')
    {
      malformed (error, file, _ ("It has no list of “conversations”."));
      return NULL;
    }
  p = skip_space (p + 1, end);
  if (p < end && *p == ']')
    {
      *position = p + 1;
      return g_steal_pointer (&conversations);
    }

  for (guint index = 0;; index++)
    {
      g_autoptr (JsonParser) parser = json_parser_new_immutable ();
      g_autoptr (GError) parse_error = NULL;
      const char         *value_end = scan_value (p, end);
      ImportConversation *conversation;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;

      if (value_end == NULL)
        {
          malformed (error, file,
                     _ ("It ends in the middle of conversation %u; it may have been cut short."),
                     index + 1);
          return NULL;
        }
      if (!json_parser_load_from_data (parser, p, value_end - p, &parse_error))
        {
          /* Translators: %u is a conversation's number, %s the parser's explanation. */
          malformed (error, file, _ ("Conversation %u is not valid JSON: %s"), index + 1,
                     parse_error->message);
          return NULL;
        }
      if (!(conversation = convert (json_parser_get_root (parser), index, file, error)))
        return NULL;
      g_ptr_array_add (conversations, conversation);

      p = skip_space (value_end, end);
      if (p < end && *p == ',')
        {
          p = skip_space (p + 1, end);
          continue;
        }
      if (p < end && *p == ']')
        break;
      if (p >= end)
        malformed (error, file, _ ("It ends after conversation %u; it may have been cut short."),
                   index + 1);
      else
        malformed (error, file, _ ("Unexpected text after conversation %u (at byte %zu)."),
                   index + 1, (gsize) (p - data));
      return NULL;
    }

  *position = p + 1;
  return g_steal_pointer (&conversations);
}

/* Samantha */

static ImportConversation *
samantha_conversation (JsonNode *node, guint index, GFile *file, GError **error)
{
  ImportConversation *conversation;
  g_autofree char    *who = NULL;
  JsonObject         *object;
  JsonNode           *messages_node;
  JsonArray          *messages;
  const char         *kind;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      malformed (error, file, _ ("Conversation %u is not a JSON object."), index + 1);
      return NULL;
    }
  object = json_node_get_object (node);
  who = describe_conversation (index, get_string_member (object, "title"));

  messages_node = json_object_get_member (object, "messages");
  if (messages_node == NULL || !JSON_NODE_HOLDS_ARRAY (messages_node))
    {
      /* Translators: %s names a conversation; “messages” is a field of the file. */
      malformed (error, file, _ ("%s has no list of “messages”."), who);
      return NULL;
    }
  messages = json_node_get_array (messages_node);

  conversation = import_conversation_new ();
  conversation->uuid = g_strdup (get_string_member (object, "uuid"));
  conversation->title = g_strdup (get_string_member (object, "title"));
  conversation->draft = g_strdup (get_string_member (object, "draft"));
  conversation->pinned = json_object_get_boolean_member_with_default (object, "pinned", FALSE);
  kind = get_string_member (object, "kind");
  if (kind == NULL)
    conversation->kind = SAM_CONVERSATION_KIND_NORMAL;
  else if (!sam_conversation_kind_from_string (kind, &conversation->kind))
    {
      malformed (error, file, _ ("%s has an unknown kind “%s”."), who, kind);
      goto failed;
    }
  if (!parse_time (get_string_member (object, "created"), &conversation->created) ||
      !parse_time (get_string_member (object, "updated"), &conversation->updated))
    {
      malformed (error, file, _ ("%s has no valid creation or update time."), who);
      goto failed;
    }

  for (guint i = 0; i < json_array_get_length (messages); i++)
    {
      JsonNode      *message_node = json_array_get_element (messages, i);
      JsonObject    *message;
      ImportMessage *imported;
      const char    *role;
      const char    *content;
      const char    *state;

      if (!JSON_NODE_HOLDS_OBJECT (message_node))
        {
          /* Translators: %s names a conversation, %u is a message's number in it. */
          malformed (error, file, _ ("%s: message %u is not a JSON object."), who, i + 1);
          goto failed;
        }
      message = json_node_get_object (message_node);
      role = get_string_member (message, "role");
      content = get_string_member (message, "content");
      state = get_string_member (message, "state");

      imported = g_new0 (ImportMessage, 1);
      g_ptr_array_add (conversation->messages, imported);
      imported->tokens_in = json_object_get_int_member_with_default (message, "tokens_in", -1);
      imported->tokens_out = json_object_get_int_member_with_default (message, "tokens_out", -1);
      imported->model = g_strdup (get_string_member (message, "model"));
      imported->finish_reason = g_strdup (get_string_member (message, "finish_reason"));
      imported->error = g_strdup (get_string_member (message, "error"));
      imported->content = g_strdup (content);

      if (!sam_message_role_from_string (role, &imported->role))
        {
          malformed (error, file, _ ("%s: message %u has no valid role."), who, i + 1);
          goto failed;
        }
      if (content == NULL)
        {
          malformed (error, file, _ ("%s: message %u has no text content."), who, i + 1);
          goto failed;
        }
      if (!parse_time (get_string_member (message, "created"), &imported->created))
        {
          malformed (error, file, _ ("%s: message %u has no valid time."), who, i + 1);
          goto failed;
        }
      imported->state = SAM_MESSAGE_STATE_COMPLETE;
      if (state && !sam_message_state_from_string (state, &imported->state))
        {
          malformed (error, file, _ ("%s: message %u has an unknown state “%s”."), who, i + 1,
                     state);
          goto failed;
        }
      /* Nobody is streaming it any more. */
      if (imported->state == SAM_MESSAGE_STATE_STREAMING)
        imported->state = SAM_MESSAGE_STATE_INTERRUPTED;
    }

  return conversation;

failed:
  import_conversation_free (conversation);
  return NULL;
}

/* The members of the top-level object that say what the file is, and where its list of
 * conversations starts; found by walking the object without parsing the list. */
typedef struct
{
  char       *format;
  gint64      version;
  const char *conversations;
  gboolean    has_mapping;
  const char *stop;      /* where a malformed object stopped making sense */
  gboolean    truncated; /* because the file ended */
} TopLevel;

static gboolean
read_top_level (const char *data, const char *end, TopLevel *top)
{
  const char *p = skip_space (data, end);

/* Where and why the walk stopped, for the error message. */
#define STOP(at)                       \
  G_STMT_START                         \
  {                                    \
    top->stop = (at);                  \
    top->truncated = top->stop >= end; \
    return FALSE;                      \
  }                                    \
  G_STMT_END

  if (p >= end || *p != '{')
    STOP (p);
  p = skip_space (p + 1, end);
  if (p < end && *p == '}')
    {
      if (skip_space (p + 1, end) != end)
        STOP (skip_space (p + 1, end));
      return TRUE;
    }

  for (;;)
    {
      const char *key = p;
      const char *key_end;
      const char *value;
      const char *value_end;
      gsize       key_length;

      if (p >= end || *p != '"')
        STOP (p);
      if (!(key_end = scan_string (p, end)))
        STOP (end);
      key_length = key_end - key;
      p = skip_space (key_end, end);
      if (p >= end || *p != ':')
        STOP (p);
      value = skip_space (p + 1, end);
      if (!(value_end = scan_value (value, end)))
        STOP (end);
      if (value_end == value)
        STOP (value);

#define KEY_IS(name) \
  (key_length == strlen ("\"" name "\"") && memcmp (key, "\"" name "\"", key_length) == 0)
      if (KEY_IS ("conversations"))
        top->conversations = value;
      else if (KEY_IS ("mapping"))
        top->has_mapping = TRUE;
      else if (KEY_IS ("format") || KEY_IS ("version"))
        {
          g_autoptr (JsonParser) parser = json_parser_new_immutable ();
          JsonNode *node;

          if (!json_parser_load_from_data (parser, value, value_end - value, NULL))
            return FALSE;
          node = json_parser_get_root (parser);
          if (KEY_IS ("format") && JSON_NODE_HOLDS_VALUE (node) &&
              json_node_get_value_type (node) == G_TYPE_STRING)
            _sam_set_str (&top->format, json_node_get_string (node));
          else if (KEY_IS ("version") && JSON_NODE_HOLDS_VALUE (node) &&
                   json_node_get_value_type (node) == G_TYPE_INT64)
            top->version = json_node_get_int (node);
        }
#undef KEY_IS

      p = skip_space (value_end, end);
      if (p < end && *p == ',')
        {
          p = skip_space (p + 1, end);
          continue;
        }
      if (p < end && *p == '}')
        {
          if (skip_space (p + 1, end) != end)
            STOP (skip_space (p + 1, end));
          return TRUE;
        }
      STOP (p);
    }
#undef STOP
}

static GPtrArray *
read_samantha (TopLevel     *top,
               const char   *data,
               const char   *end,
               GFile        *file,
               GCancellable *cancellable,
               GError      **error)
{
  const char *p = top->conversations;

  if (top->version != 1)
    {
      malformed (error, file,
                 _ ("It was written by a newer version of Samantha; update Samantha "
                    "to import it."));
      return NULL;
    }
  if (p == NULL)
    {
      malformed (error, file, _ ("It has no list of “conversations”."));
      return NULL;
    }

  return read_array (&p, end, data, samantha_conversation, file, cancellable, error);
}

/* Reading and writing */

static GPtrArray *
read_file (GFile *file, GCancellable *cancellable, GError **error)
{
  g_autoptr (GMappedFile) mapped = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *name = g_file_get_basename (file);
  const char      *data;
  const char      *end;
  const char      *p;
  gsize            length;

  if (path == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _ ("Only local files can be imported."));
      return NULL;
    }

  if (!(mapped = g_mapped_file_new (path, FALSE, &local_error)))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   /* Translators: the first %s is a file name, the second the reason. */
                   _ ("Could not read “%s”: %s"), name, local_error->message);
      return NULL;
    }

  data = g_mapped_file_get_contents (mapped);
  length = g_mapped_file_get_length (mapped);

  if (length >= 4 && memcmp (data, "PK\003\004", 4) == 0)
    {
      malformed (error, file,
                 _ ("It is a ZIP archive: unpack it and import the “conversations.json” inside."));
      return NULL;
    }
  if (!g_utf8_validate_len (data, length, NULL))
    {
      malformed (error, file, _ ("It is not UTF-8 text."));
      return NULL;
    }

  if (length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    {
      data += 3;
      length -= 3;
    }

  end = data + length;
  p = skip_space (data, end);
  if (p < end && *p == '[')
    {
      GPtrArray *conversations;

      if (!(conversations =
                read_array (&p, end, data, chatgpt_conversation, file, cancellable, error)))
        return NULL;
      if (skip_space (p, end) != end)
        {
          g_ptr_array_unref (conversations);
          malformed (error, file,
                     _ ("Unexpected text after the list of conversations (at byte %zu)."),
                     (gsize) (skip_space (p, end) - data));
          return NULL;
        }
      return conversations;
    }

  if (p < end && *p == '{')
    {
      TopLevel         top = { NULL, 0, NULL, FALSE };
      gboolean         valid = read_top_level (p, end, &top);
      g_autofree char *format = g_steal_pointer (&top.format);

      if (valid && g_strcmp0 (format, "samantha-export") == 0)
        return read_samantha (&top, data, end, file, cancellable, error);

      /* One ChatGPT conversation on its own (small: parsed whole). */
      if (valid && top.has_mapping)
        {
          g_autoptr (JsonParser) parser = json_parser_new_immutable ();
          g_autoptr (GPtrArray) conversations =
              g_ptr_array_new_with_free_func (import_conversation_free);
          ImportConversation *conversation;

          if (!json_parser_load_from_data (parser, p, end - p, NULL))
            valid = FALSE;
          else if (!(conversation =
                         chatgpt_conversation (json_parser_get_root (parser), 0, file, error)))
            return NULL;
          else
            {
              g_ptr_array_add (conversations, conversation);
              return g_steal_pointer (&conversations);
            }
        }

      if (!valid && top.truncated)
        {
          malformed (error, file, _ ("It ends too early; it may have been cut short."));
          return NULL;
        }
      if (!valid)
        {
          /* Translators: %zu is a position in the file, counted in bytes. */
          malformed (error, file, _ ("It is not valid JSON (at byte %zu)."),
                     (gsize) (top.stop - data));
          return NULL;
        }
    }

  malformed (error, file,
             _ ("It is neither a ChatGPT export (“conversations.json”) nor a Samantha export."));
  return NULL;
}

static gboolean
write_conversations (sqlite3        *db,
                     GPtrArray      *conversations,
                     SamImportStats *stats,
                     GCancellable   *cancellable,
                     GError        **error)
{
  g_autoptr (sqlite3_stmt) exists = NULL;
  g_autoptr (sqlite3_stmt) insert_conversation = NULL;
  g_autoptr (sqlite3_stmt) insert_message = NULL;

  if (sqlite3_prepare_v2 (db, "SELECT 1 FROM conversations WHERE uuid = ?1", -1, &exists, NULL) !=
          SQLITE_OK ||
      sqlite3_prepare_v2 (db,
                          "INSERT INTO conversations (uuid, title, kind, created, updated, pinned, "
                          "draft) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                          -1, &insert_conversation, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db,
                          "INSERT INTO messages (conversation_id, role, content, created, state, "
                          "model, finish_reason, error, tokens_in, tokens_out) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                          -1, &insert_message, NULL) != SQLITE_OK)
    {
      _sam_store_set_error (error, db, "prepare the import");
      return FALSE;
    }

  for (guint i = 0; i < conversations->len; i++)
    {
      ImportConversation *conversation = g_ptr_array_index (conversations, i);
      g_autofree char    *uuid = NULL;
      gint64              id;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;

      /* The same conversation imported twice is kept once. */
      if (conversation->uuid)
        {
          sqlite3_reset (exists);
          sqlite3_bind_text (exists, 1, conversation->uuid, -1, SQLITE_STATIC);
          if (sqlite3_step (exists) == SQLITE_ROW)
            {
              stats->skipped++;
              continue;
            }
        }
      uuid = conversation->uuid ? g_strdup (conversation->uuid) : g_uuid_string_random ();

      sqlite3_reset (insert_conversation);
      sqlite3_bind_text (insert_conversation, 1, uuid, -1, SQLITE_STATIC);
      sqlite3_bind_text (insert_conversation, 2, conversation->title ? conversation->title : "", -1,
                         SQLITE_STATIC);
      sqlite3_bind_text (insert_conversation, 3,
                         sam_conversation_kind_to_string (conversation->kind), -1, SQLITE_STATIC);
      sqlite3_bind_int64 (insert_conversation, 4, conversation->created);
      sqlite3_bind_int64 (insert_conversation, 5, conversation->updated);
      sqlite3_bind_int (insert_conversation, 6, conversation->pinned);
      sqlite3_bind_text (insert_conversation, 7, conversation->draft ? conversation->draft : "", -1,
                         SQLITE_STATIC);
      if (sqlite3_step (insert_conversation) != SQLITE_DONE)
        {
          _sam_store_set_error (error, db, "import a conversation");
          return FALSE;
        }
      id = sqlite3_last_insert_rowid (db);

      for (guint j = 0; j < conversation->messages->len; j++)
        {
          ImportMessage *message = g_ptr_array_index (conversation->messages, j);

          sqlite3_reset (insert_message);
          sqlite3_bind_int64 (insert_message, 1, id);
          sqlite3_bind_text (insert_message, 2, sam_message_role_to_string (message->role), -1,
                             SQLITE_STATIC);
          sqlite3_bind_text (insert_message, 3, message->content, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (insert_message, 4, message->created);
          sqlite3_bind_text (insert_message, 5, sam_message_state_to_string (message->state), -1,
                             SQLITE_STATIC);
#define BIND_TEXT(column, text)                                                 \
  ((text) ? sqlite3_bind_text (insert_message, column, text, -1, SQLITE_STATIC) \
          : sqlite3_bind_null (insert_message, column))
#define BIND_COUNT(column, count)                                    \
  ((count) >= 0 ? sqlite3_bind_int64 (insert_message, column, count) \
                : sqlite3_bind_null (insert_message, column))
          BIND_TEXT (6, message->model);
          BIND_TEXT (7, message->finish_reason);
          BIND_TEXT (8, message->error);
          BIND_COUNT (9, message->tokens_in);
          BIND_COUNT (10, message->tokens_out);
#undef BIND_TEXT
#undef BIND_COUNT
          if (sqlite3_step (insert_message) != SQLITE_DONE)
            {
              _sam_store_set_error (error, db, "import a message");
              return FALSE;
            }
        }

      stats->conversations++;
      stats->messages += conversation->messages->len;
    }

  return TRUE;
}

static gboolean
import_worker (ImportData *import, GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) conversations = NULL;
  g_autoptr (sqlite3) db = NULL;
  g_autoptr (GFile) file = g_object_ref (import->file);

  /* A folder from --export (or an unpacked ChatGPT export) holds conversations.json. */
  if (g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, cancellable) == G_FILE_TYPE_DIRECTORY)
    {
      g_object_unref (file);
      file = g_file_get_child (import->file, "conversations.json");
    }

  if (!(conversations = read_file (file, cancellable, error)))
    return FALSE;

  if (!(db = _sam_store_open_connection (import->path, error)))
    return FALSE;

  memset (&import->stats, 0, sizeof import->stats);
  if (!_sam_store_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!write_conversations (db, conversations, &import->stats, cancellable, error) ||
      !_sam_store_exec (db, "COMMIT", error))
    {
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      memset (&import->stats, 0, sizeof import->stats);
      return FALSE;
    }

  return TRUE;
}

static ImportData *
import_data_new (SamStore *store, GFile *file)
{
  ImportData *import = g_new0 (ImportData, 1);

  import->file = g_object_ref (file);
  import->path = g_strdup (sam_store_get_path (store));
  return import;
}

/* Runs on the calling thread with a connection of its own (the command line uses this). */
gboolean
sam_import_file (
    SamStore *store, GFile *file, SamImportStats *stats, GCancellable *cancellable, GError **error)
{
  ImportData *import;
  gboolean    ret;

  g_return_val_if_fail (SAM_IS_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  import = import_data_new (store, file);
  ret = import_worker (import, cancellable, error);
  if (ret && stats)
    *stats = import->stats;
  if (ret && import->stats.conversations > 0)
    _sam_store_emit_reloaded (store);
  import_data_free (import);
  return ret;
}

static void
import_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;

  if (import_worker (task_data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
import_done_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ImportData *import = g_task_get_task_data (G_TASK (result));
  GError     *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* Back on the main context: lists of conversations reload before the caller hears. */
  if (import->stats.conversations > 0)
    _sam_store_emit_reloaded (SAM_STORE (object));
  g_task_set_task_data (task, g_memdup2 (&import->stats, sizeof import->stats), g_free);
  g_task_return_boolean (task, TRUE);
}

/* Reads and writes in a worker thread with its own connection. */
void
sam_import_file_async (SamStore           *store,
                       GFile              *file,
                       GCancellable       *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GTask) worker = NULL;

  g_return_if_fail (SAM_IS_STORE (store));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (task, sam_import_file_async);

  worker = g_task_new (store, cancellable, import_done_cb, g_steal_pointer (&task));
  g_task_set_task_data (worker, import_data_new (store, file), import_data_free);
  g_task_run_in_thread (worker, import_thread);
}

gboolean
sam_import_file_finish (SamStore       *store,
                        GAsyncResult   *result,
                        SamImportStats *stats,
                        GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, store), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sam_import_file_async, FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  if (stats)
    *stats = *(SamImportStats *) g_task_get_task_data (G_TASK (result));
  return TRUE;
}

/* "3 conversations with 42 messages", shared with the exporter's summary. */
char *
_sam_describe_counts (guint conversations, guint messages)
{
  g_autofree char *c = g_strdup_printf (
      g_dngettext (GETTEXT_PACKAGE, "%u conversation", "%u conversations", conversations),
      conversations);
  g_autofree char *m = g_strdup_printf (
      g_dngettext (GETTEXT_PACKAGE, "%u message", "%u messages", messages), messages);

  /* Translators: "3 conversations with 42 messages". */
  return g_strdup_printf (_ ("%s with %s"), c, m);
}

int
sam_import_command_line (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) store = NULL;
  g_autoptr (GFile) file = g_file_new_for_commandline_arg (path);
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *counts = NULL;
  SamImportStats   stats = { 0 };

  if (!(store = sam_store_new (&error)) || !sam_import_file (store, file, &stats, NULL, &error))
    {
      g_printerr ("samantha: %s\n", error->message);
      return EXIT_FAILURE;
    }

  counts = _sam_describe_counts (stats.conversations, stats.messages);
  if (stats.skipped > 0)
    {
      g_autofree char *skipped = g_strdup_printf (
          g_dngettext (GETTEXT_PACKAGE, "%u skipped because it was already imported",
                       "%u skipped because they were already imported", stats.skipped),
          stats.skipped);
      /* Translators: "Imported 3 conversations with 42 messages from “file”; 1 skipped …". */
      g_print (_ ("Imported %s from “%s”; %s.\n"), counts, name, skipped);
    }
  else
    /* Translators: "Imported 3 conversations with 42 messages from “file”." */
    g_print (_ ("Imported %s from “%s”.\n"), counts, name);

  return EXIT_SUCCESS;
}
