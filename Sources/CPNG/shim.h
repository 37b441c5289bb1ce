#ifndef REDERIVE_CPNG_SHIM_H
#define REDERIVE_CPNG_SHIM_H
#include <png.h>
#endif
