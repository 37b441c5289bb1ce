#ifndef REDERIVE_CPANGO_SHIM_H
#define REDERIVE_CPANGO_SHIM_H
#include <pango/pangocairo.h>
#include <pango/pangofc-fontmap.h>
#include <fontconfig/fontconfig.h>

// GObject casts are macros that Swift cannot import; these give them a typed name.
static inline PangoFcFontMap *rederive_pango_fc_font_map(PangoFontMap *map) {
    return PANGO_FC_FONT_MAP(map);
}
static inline void rederive_g_object_unref(void *object) { g_object_unref(object); }
static inline int rederive_pango_scale(void) { return PANGO_SCALE; }
#endif
