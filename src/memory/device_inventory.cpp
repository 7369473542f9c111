#include "memory/device_inventory.h"

#include <algorithm>

#include "memory/probe.h"

namespace vidscope::memory {

DeviceInventory probe_device_inventory() {
  DeviceInventory devices;
  const SystemMemory system = read_system_memory();
  devices.ram.total = system.usable_total();
  devices.ram.free = std::min(devices.ram.total, ram_capacity());
  if (const auto gpu = read_gpu_memory()) devices.gpus.push_back({gpu->device, gpu->name, gpu->total, gpu->free, false});
  return devices;
}

}  // namespace vidscope::memory
