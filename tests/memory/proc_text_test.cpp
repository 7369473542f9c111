#include <gtest/gtest.h>

#include "memory/proc_text.h"

namespace vidscope::memory {
namespace {

// Recorded from a Linux 6.x process (trimmed to the fields around the ones we read).
constexpr const char* kProcStatus = R"(Name:	vidscope
Umask:	0022
State:	S (sleeping)
VmPeak:	  912340 kB
VmSize:	  904112 kB
VmLck:	       0 kB
VmHWM:	  524288 kB
VmRSS:	  262144 kB
RssAnon:	  200000 kB
RssFile:	   61120 kB
RssShmem:	    1024 kB
VmData:	  700000 kB
Threads:	9
)";

constexpr const char* kSmapsRollup = R"(560b5b061000-7fffb3753000 ---p 00000000 00:00 0                          [rollup]
Rss:                1612 kB
Pss:                 430 kB
Pss_Dirty:           112 kB
Pss_Anon:            112 kB
Shared_Clean:       1440 kB
)";

constexpr const char* kMeminfo = R"(MemTotal:       24523264 kB
MemFree:        22000000 kB
MemAvailable:   23000000 kB
Buffers:           10000 kB
)";

TEST(ParseProcStatus, ReadsResidentFieldsInBytes) {
  const ProcessMemory m = parse_proc_status(kProcStatus);
  EXPECT_EQ(m.rss, 262144 * kKiB);
  EXPECT_EQ(m.rss_anon, 200000 * kKiB);
  EXPECT_EQ(m.rss_file, 61120 * kKiB);
  EXPECT_EQ(m.rss_shmem, 1024 * kKiB);
  EXPECT_EQ(m.peak_rss, 524288 * kKiB);
  EXPECT_FALSE(m.pss);  // not in status; read from smaps_rollup
}

TEST(ParseProcStatus, MissingOrMalformedFieldsAreZero) {
  const ProcessMemory m = parse_proc_status("VmRSS:\tlots kB\nRssAnon: 12 MB\nVmHWM: 8 kB");
  EXPECT_EQ(m.rss, 0u);
  EXPECT_EQ(m.rss_anon, 0u);
  EXPECT_EQ(m.rss_file, 0u);
  EXPECT_EQ(m.peak_rss, 8 * kKiB);
  EXPECT_EQ(parse_proc_status("").rss, 0u);
}

TEST(ParseSmapsRollup, ReadsPssOnly) {
  EXPECT_EQ(parse_smaps_rollup_pss(kSmapsRollup), 430 * kKiB);  // not Pss_Dirty/Pss_Anon
  EXPECT_FALSE(parse_smaps_rollup_pss("Rss: 12 kB\n"));
}

TEST(ParseMeminfo, ReadsTotalAndAvailable) {
  const SystemMemory m = parse_meminfo(kMeminfo);
  EXPECT_EQ(m.total, 24523264 * kKiB);
  EXPECT_EQ(m.available, 23000000 * kKiB);
  EXPECT_FALSE(m.cgroup_limit);
}

TEST(ParseCgroup, V2MaxMeansUnlimited) {
  EXPECT_FALSE(parse_cgroup_v2_limit("max\n"));
  EXPECT_EQ(parse_cgroup_v2_limit("8589934592\n"), 8 * kGiB);
  EXPECT_FALSE(parse_cgroup_v2_limit("garbage"));
  EXPECT_FALSE(parse_cgroup_v2_limit(""));
}

TEST(ParseCgroup, V1HugeValueMeansUnlimited) {
  EXPECT_FALSE(parse_cgroup_v1_limit("9223372036854771712\n"));  // what v1 writes for "no limit"
  EXPECT_EQ(parse_cgroup_v1_limit("4294967296\n"), 4 * kGiB);
  EXPECT_FALSE(parse_cgroup_v1_limit("-1"));
}

TEST(ParseCgroup, Usage) {
  EXPECT_EQ(parse_cgroup_usage("123456\n"), Bytes{123456});
  EXPECT_FALSE(parse_cgroup_usage("12 kB"));
}

TEST(ParseProcSelfCgroup, FindsV2AndV1MemoryPaths) {
  const CgroupPaths v2 = parse_proc_self_cgroup("0::/user.slice/app.scope\n");
  EXPECT_EQ(v2.v2, "/user.slice/app.scope");
  EXPECT_FALSE(v2.v1_memory);

  const CgroupPaths v1 = parse_proc_self_cgroup(
      "12:cpu,cpuacct:/docker/abc\n"
      "7:memory:/docker/abc\n"
      "1:name=systemd:/docker/abc\n");
  EXPECT_EQ(v1.v1_memory, "/docker/abc");
  EXPECT_FALSE(v1.v2);

  EXPECT_EQ(parse_proc_self_cgroup("4:blkio,memory:/a:b\n").v1_memory, "/a:b");  // ':' inside a path
  EXPECT_FALSE(parse_proc_self_cgroup("nonsense\n").v2);
}

}  // namespace
}  // namespace vidscope::memory
