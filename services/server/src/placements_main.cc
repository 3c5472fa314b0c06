// trappe-placements: the placements service on its own (the same as trappe-server --target=placements).
#include "trappe/host/host.h"

int main(int argc, char** argv) { return trappe::host::RunServer(argc, argv, {"placements"}); }
