// What one gas's report shows: the input of renderReport and of each figure, in a module of its own so the figures
// need not import the page that imports them.

export interface ReportInput {
  gas: string;
  fileName: string;               // input file name, shown in the header
  generatedAt: string;            // ISO time text
  physics: 'corrected' | 'gasflux-0.2.2';
  summary: {
    volume: number; volumepos: number; volumeneg: number; volumeError: number;
    backgroundStd: number | null; signalPoints: number; backgroundPoints: number;
    nx: number; ny: number; xCellSize: number; yCellSize: number;
    transectRange: [number, number] | null; planeAngle: number | null;
    meanTemperature: number; meanPressure: number;
    warnings: string[];
    detected?: boolean;            // false: no plume above the sensor noise, so no emission rate (default true)
  };
  flight: {                        // every row of the file, before the curtain step
    timestamps: string[] | null;   // null → use row numbers as labels
    easting: Float64Array; northing: Float64Array; heightAto: Float64Array;
    windspeed: Float64Array; winddir: Float64Array;   // measured
    gas: Float64Array; fit: Float64Array; normalised: Float64Array; signal: Uint8Array;
    kept: Uint8Array;              // 1 = kept by the curtain/spiral step
    rollingWindow?: number;        // rows in the wind figure's rolling means (default 5, the reference's)
  };
  curtain: {                       // kept rows only
    x: Float64Array; heightAto: Float64Array; normalised: Float64Array;
  };
  grid: {
    xs: Float64Array; ys: Float64Array;     // node coordinates, nx and ny long
    field: Float64Array;                    // nx*ny, flat index i*ny + j (j = height fastest), NaN allowed
    ground: { x: Float64Array; y: Float64Array } | null;  // ground line, when cut_ground applies
  };
}
