/* Generates (x, y, pow(x, y)) triples with glibc's pow, as the doubles' bits
   in hex, for engine/testdata/pow_glibc.txt (see its header) and for larger
   one-off comparisons with keygrid's pow51.

   gcc -O2 -o pow_glibc pow_glibc.c -lm
   ./pow_glibc N [SEED [special]]

   N pseudo-random pairs from SEED (x and y in ranges that exercise pow's
   paths); with a third argument the pairs of a list of special values are
   written first.  */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
static uint64_t s = 0x9E3779B97F4A7C15ull;
static uint64_t next(void){ uint64_t z = (s += 0x9E3779B97F4A7C15ull); z = (z ^ (z>>30))*0xBF58476D1CE4E5B9ull; z = (z^(z>>27))*0x94D049BB133111EBull; return z ^ (z>>31);}
static double u01(void){ return (next()>>11) * 0x1p-53; }
static double uni(double a, double b){ return a + (b-a)*u01(); }
static int ri(int n){ return (int)(next() % (uint64_t)n); }
static double fb(uint64_t b){ double d; memcpy(&d,&b,8); return d; }
static uint64_t bf(double d){ uint64_t b; memcpy(&b,&d,8); return b; }
static void out(double x, double y){ double r = pow(x, y); printf("%016llx %016llx %016llx\n", (unsigned long long)bf(x), (unsigned long long)bf(y), (unsigned long long)bf(r)); }
int main(int argc, char **argv){
  long n = argc > 1 ? atol(argv[1]) : 1000;
  if (argc > 2) s = strtoull(argv[2], 0, 0);
  double sp[] = {0, -0.0, 1, -1, 2, -2, 0.5, -0.5, 3, -3, 1.5, -1.5, 1e-310, -1e-310, 0x1p-1074, -0x1p-1074,
    0x1.fffffffffffffp1023, -0x1.fffffffffffffp1023, 0x1p-1022, -0x1p-1022, INFINITY, -INFINITY, NAN, -NAN,
    1+0x1p-52, 1-0x1p-53, -1-0x1p-52, 10, 0.1, 7, -7, 1e300, 1e-300, 0x1p-66, -0x1p-66, 0x1p63, -0x1p63, 0x1p53+2, 0x1p53-1, -(0x1p53-1), 1023, 1024, -1074, -1075};
  int ns = sizeof sp / sizeof sp[0];
  if (argc > 3) { for (int i=0;i<ns;i++) for (int j=0;j<ns;j++) out(sp[i], sp[j]); }
  for (long c = 0; c < n; c++) {
    double x, y;
    switch (ri(16)) {
    case 0: x = uni(0,4); y = uni(-40,40); break;
    case 1: x = 1 + uni(-1,1)*ldexp(1, -ri(50)-3); y = uni(-1,1)*ldexp(1, ri(63)); break;
    case 2: x = uni(-3,3)*ldexp(1, ri(41)-20); y = ri(81)-40; break;
    case 3: x = uni(0,100); y = (ri(200)-100)/4.0; break;
    case 4: x = exp(uni(0.01,30)); y = uni(700,709.9)/log(x); if (ri(4)==0) { x = 1/x; y = -y; } break;
    case 5: x = exp(uni(-30,30)); y = uni(-746,-700)/log(x); if (ri(3)==0) y = uni(-709,-707.5)/log(x); break;
    case 6: x = -uni(0,10); y = ri(2) ? ri(61)-30 : uni(-10,10); break;
    case 7: x = fb(next()); y = fb(next()); if (ri(2)) y = ldexp(uni(-1,1), ri(12)-4); break;
    case 8: x = ri(40)+2; y = uni(-300,300); break;
    case 9: x = ldexp(uni(0.5,1), ri(2047)-1074); y = uni(-1,1)*ldexp(1, ri(8)-6); break;
    case 10: x = fb(next() >> 12); if (ri(2)) x = -x; y = ri(2) ? uni(-1.2,1.2) : (double)(ri(5)-2); if (ri(3)==0) y = uni(-0.01,0.01); break;
    case 11: x = ri(2) ? 1 + uni(-1,1)*ldexp(1,-ri(53)) : uni(0,3); y = ldexp(uni(-2,2), ri(2) ? -ri(20)-55 : ri(20)+52); break;
    case 12: { x = -exp(uni(0.05,8)); double t = uni(-746,710)/log(-x); y = nearbyint(t); if (ri(2)) x = 1/x, y = -y; } break;
    case 13: x = sp[ri(ns)]; y = ri(2) ? sp[ri(ns)] : uni(-5,5); if (ri(2)) { double t = x; x = y; y = t; } break;
    case 14: x = fb(bf(1.0) + (uint64_t)(ri(64)-32)); y = uni(-1,1)*ldexp(1, ri(70)); break;
    default: x = uni(0, 2); y = ri(2) ? uni(-2000,2000) : uni(-2,2); if (ri(4)==0) x = -x, y = nearbyint(y); break;
    }
    out(x, y);
  }
  return 0;
}
