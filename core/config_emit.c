/* config_emit: config_emit and config_run_id of config.h, the resolved
 * config as YAML text walking the key tables of schema.h. */
#include "config.h"

#include <string.h>

#include "mem.h"
#include "schema.h"
#include "sha256.h"
#include "text.h"

static void emit_map(struct text *t, const struct config *c,
                     const struct field *fields, int indent, int identity)
{
    for (const struct field *f = fields; f->key; f++) {
        const char *base = (const char *)c + f->offset;
        if ((f->applies && !f->applies(c)) || (identity && f->how))
            continue;
        if ((f->type == F_STRING || f->type == F_TEXT) && !*(char *const *)base)
            continue; /* unset path/member: the dataset's own */
        if (f->quiet_default && *(const int *)base == 0)
            continue; /* the default of a key newer than some run ids */
        text_add(t, "%*s%s:", indent, "", f->key);
        switch (f->type) {
        case F_INT:
            text_add(t, " %ld\n", *(const long *)base);
            break;
        case F_FLOAT:
            text_add(t, " ");
            text_number(t, *(const double *)base);
            text_add(t, "\n");
            break;
        case F_NONE_OR_FLOAT:
            if (*(const double *)base == 0) {
                text_add(t, " none\n");
                break;
            }
            text_add(t, " ");
            text_number(t, *(const double *)base);
            text_add(t, "\n");
            break;
        case F_FLOAT2:
            text_add(t, " [");
            text_number(t, ((const double *)base)[0]);
            text_add(t, ", ");
            text_number(t, ((const double *)base)[1]);
            text_add(t, "]\n");
            break;
        case F_STRING:
        case F_TEXT:
            text_add(t, " ");
            text_quoted(t, *(char *const *)base);
            text_add(t, "\n");
            break;
        case F_STRINGS: {
            const struct strlist *l = (const struct strlist *)base;
            text_add(t, " [");
            for (size_t i = 0; i < l->n; i++) {
                text_add(t, i ? ", " : "");
                text_quoted(t, l->items[i]);
            }
            text_add(t, "]\n");
            break;
        }
        case F_ENUM:
            text_add(t, " %s\n", f->choices[*(const int *)base]);
            break;
        case F_BOOL:
            text_add(t, " %s\n", *(const int *)base ? "true" : "false");
            break;
        case F_MAP:
            text_add(t, "\n");
            emit_map(t, c, f->sub, indent + 2, identity);
            break;
        }
    }
}

static char *emit(const struct config *c, int identity)
{
    struct text t = {0};
    emit_map(&t, c, schema_root, 0, identity);
    return text_take(&t);
}

char *config_emit(const struct config *c)
{
    return emit(c, 0);
}

int config_run_id(const struct config *c, char id[13])
{
    char *text = emit(c, 1), hex[65];
    if (!text)
        return ERR_NOMEM;
    struct sha256 s;
    sha256_init(&s);
    sha256_update(&s, text, strlen(text));
    sha256_final_hex(&s, hex);
    memcpy(id, hex, 12);
    id[12] = '\0';
    mem_free(text);
    return 0;
}

int config_point_id(const struct config *c, char id[13])
{
    struct config point = *c; /* shallow: emission only reads */
    if (point.generate.seed == point.seed)
        point.generate.seed = 0; /* it follows the run's seed */
    point.seed = 0;
    return config_run_id(&point, id);
}
