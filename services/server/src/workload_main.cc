// trappe-workload: the workload service on its own (the same as trappe-server --target=workload).
#include "trappe/host/host.h"

int main(int argc, char** argv) { return trappe::host::RunServer(argc, argv, {"workload"}); }
