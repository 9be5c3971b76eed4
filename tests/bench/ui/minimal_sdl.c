/* The smallest program like the app's start: SDL and SDL_ttf up, a window,
 * one line of text drawn and shown, then exit. The start-up benchmark
 * compares the app against this. */
#include <SDL.h>
#include <SDL_ttf.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ui_minimal_sdl FONT.ttf\n");
        return 2;
    }
    if (SDL_Init(SDL_INIT_VIDEO) != 0 || TTF_Init() != 0)
        return 1;
    SDL_DisplayMode dm;
    int w = 1280, h = 800;
    if (SDL_GetDesktopDisplayMode(0, &dm) == 0 && dm.w > 0) {
        w = dm.w < w ? dm.w : w;
        h = dm.h < h ? dm.h : h;
    }
    SDL_Window *win = SDL_CreateWindow("minimal", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w,
                                       h, SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    SDL_Renderer *ren = win ? SDL_CreateRenderer(win, -1, SDL_RENDERER_PRESENTVSYNC) : NULL;
    if (win && !ren)
        ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE);
    TTF_Font *font = TTF_OpenFont(argv[1], 18);
    if (!ren || !font)
        return 1;
    SDL_Color ink = {31, 42, 48, 255};
    SDL_Surface *s = TTF_RenderUTF8_Blended(font, "Hvem er du? Æ, ø og å", ink);
    SDL_Texture *t = s ? SDL_CreateTextureFromSurface(ren, s) : NULL;
    SDL_SetRenderDrawColor(ren, 244, 241, 235, 255);
    SDL_RenderClear(ren);
    if (t) {
        SDL_Rect dst = {16, 16, s->w, s->h};
        SDL_RenderCopy(ren, t, NULL, &dst);
    }
    SDL_RenderPresent(ren);
    SDL_DestroyTexture(t);
    SDL_FreeSurface(s);
    TTF_CloseFont(font);
    SDL_DestroyRenderer(ren);
    SDL_DestroyWindow(win);
    TTF_Quit();
    SDL_Quit();
    return 0;
}
