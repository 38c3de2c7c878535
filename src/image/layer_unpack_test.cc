#include "image/layer_unpack.h"
