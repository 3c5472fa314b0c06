// trappe-server: the Trappe services in one process (all of them by default).
#include "trappe/host/host.h"

int main(int argc, char** argv) { return trappe::host::RunServer(argc, argv, {"all"}); }
