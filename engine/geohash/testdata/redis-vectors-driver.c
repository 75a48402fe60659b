#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <stdint.h>
#include "geohash_helper.h"

static uint64_t st = 88172645463325252ULL;
static uint64_t rnd(void) { st ^= st << 13; st ^= st >> 7; st ^= st << 17; return st; }
static double unif(double lo, double hi) { return lo + (hi - lo) * ((rnd() >> 11) * (1.0 / 9007199254740992.0)); }

static void pbits(GeoHashBits h) { printf(" %llu:%u", (unsigned long long)h.bits, h.step); }

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    for (int i = 0; i < n; i++) {
        /* Encode + decode of a random position. */
        double lon = unif(-180, 180), lat = unif(GEO_LAT_MIN, GEO_LAT_MAX);
        if (i % 50 == 0) { lon = (i % 100 == 0) ? 180 : -180; lat = (i % 100 == 0) ? GEO_LAT_MAX : GEO_LAT_MIN; }
        GeoHashBits h;
        geohashEncodeWGS84(lon, lat, GEO_STEP_MAX, &h);
        GeoHashFix52Bits bits = geohashAlign52Bits(h);
        double xy[2];
        GeoHashBits hh = {.bits = (uint64_t)(double)bits, .step = GEO_STEP_MAX};
        geohashDecodeToLongLatWGS84(hh, xy);
        GeoHashRange r[2] = {{.min=-180,.max=180},{.min=-90,.max=90}};
        GeoHashBits sh;
        geohashEncode(&r[0], &r[1], xy[0], xy[1], 26, &sh);
        printf("E %a %a %llu %a %a %llu\n", lon, lat, (unsigned long long)bits, xy[0], xy[1], (unsigned long long)sh.bits);
        /* Distances. */
        double lon2 = unif(-180, 180), lat2 = unif(GEO_LAT_MIN, GEO_LAT_MAX);
        if (i % 7 == 0) { lon2 = lon + unif(-0.01, 0.01); lat2 = lat + unif(-0.01, 0.01); }
        if (i % 11 == 0) lon2 = lon;
        double d = geohashGetDistance(lon, lat, lon2, lat2);
        printf("D %a %a %a %a %a %lld %lld\n", lon, lat, lon2, lat2, d, llrint(d * 10000), llrint(d / 1609.34 * 10000));
        /* Search areas. */
        GeoShape s = {0};
        s.xy[0] = lon; s.xy[1] = lat;
        double conv[4] = {1, 1000, 0.3048, 1609.34};
        s.conversion = conv[rnd() % 4];
        double mag = pow(10, unif(-1, 4));
        if (i % 3 == 0) {
            s.type = RECTANGLE_TYPE; s.t.r.width = mag; s.t.r.height = mag * unif(0.1, 3);
        } else {
            s.type = CIRCULAR_TYPE; s.t.radius = mag;
        }
        GeoHashRadius gr = geohashCalculateAreasByShapeWGS84(&s);
        printf("A %d %a %a %a %a %a %a", s.type, lon, lat, s.conversion, s.type == CIRCULAR_TYPE ? s.t.radius : s.t.r.width, s.type == CIRCULAR_TYPE ? 0.0 : s.t.r.height, 0.0);
        pbits(gr.hash); pbits(gr.neighbors.north); pbits(gr.neighbors.south); pbits(gr.neighbors.east); pbits(gr.neighbors.west);
        pbits(gr.neighbors.north_east); pbits(gr.neighbors.north_west); pbits(gr.neighbors.south_east); pbits(gr.neighbors.south_west);
        printf(" %a %a %a %a\n", s.bounds[0], s.bounds[1], s.bounds[2], s.bounds[3]);
        /* In-shape tests. */
        double dist = 0;
        int in;
        if (s.type == CIRCULAR_TYPE)
            in = geohashGetDistanceIfInRadiusWGS84(lon, lat, lon2, lat2, s.t.radius * s.conversion, &dist);
        else
            in = geohashGetDistanceIfInRectangle(s.t.r.width * s.conversion, s.t.r.height * s.conversion, lon, lat, lon2, lat2, &dist);
        printf("I %d %a %a %a %a %a %a %a %d %a\n", s.type, lon, lat, lon2, lat2, s.conversion, s.type == CIRCULAR_TYPE ? s.t.radius : s.t.r.width, s.type == CIRCULAR_TYPE ? 0.0 : s.t.r.height, in, in ? dist : 0.0);
    }
    return 0;
}
