#include <libxml/xmlversion.h>
/* libxml2 would include the system's ICU headers, which clash with the copy Foundation
   brings; nothing used here touches the ICU-dependent encoding handler fields. */
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
