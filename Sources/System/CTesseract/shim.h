// Umbrella header for the system libtesseract C API (Debian: libtesseract-dev, libleptonica-dev).
#ifndef KARYO_CTESSERACT_SHIM_H
#define KARYO_CTESSERACT_SHIM_H
#include <tesseract/capi.h>
#include <leptonica/allheaders.h>
#endif
