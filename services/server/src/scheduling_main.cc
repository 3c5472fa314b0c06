// trappe-scheduling: the scheduling service on its own (the same as trappe-server --target=scheduling).
#include "trappe/host/host.h"

int main(int argc, char** argv) { return trappe::host::RunServer(argc, argv, {"scheduling"}); }
