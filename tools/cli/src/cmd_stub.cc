#include "context.h"
namespace trappe::cli {

void AddPlacementCommands(CLI::App&, Cli&) {}
void AddSchedulingCommands(CLI::App&, Cli&) {}
void AddWorkloadCommands(CLI::App&, Cli&) {}
void AddAdminCommands(CLI::App&, Cli&) {}
}
