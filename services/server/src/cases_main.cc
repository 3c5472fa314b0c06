// trappe-cases: the cases service on its own (the same as trappe-server --target=cases).
#include "trappe/host/host.h"

int main(int argc, char** argv) { return trappe::host::RunServer(argc, argv, {"cases"}); }
