/* The smallest consumer: built with nothing but `pkg-config --cflags --libs pitchcam` (shared) or
 * its static_libs variable (static) — no GStreamer flags, so the header must stand alone. */
#include <pitchcam.h>

#include <stdio.h>

int main(void) {
    pc_detection d[2] = {{0, 0, 2560, 2560, 60000, 1, 0}, {256, 0, 2816, 2560, 50000, 1, 0}};
    uint32_t kept = 0;
    int rc = pc_nms(d, 2, 0.45f, 0, 300, &kept);
    if (pc_abi_version() != PITCHCAM_ABI_VERSION || rc != PC_OK || kept != 1 || d[0].score != 60000) {
        fprintf(stderr, "unexpected: abi %u rc %d (%s) kept %u\n", pc_abi_version(), rc,
                pc_status_str(rc), kept);
        return 1;
    }
    printf("pitchcam abi %u.%u: %s\n", pc_abi_version() >> 16, pc_abi_version() & 0xffff,
           pc_status_str(rc));
    return 0;
}
