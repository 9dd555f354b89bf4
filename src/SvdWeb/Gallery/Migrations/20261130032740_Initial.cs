using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SvdWeb.Gallery.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Generations",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatedUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    StartedUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    FinishedUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Error = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    SourceId = table.Column<Guid>(type: "TEXT", nullable: true),
                    ModelName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    ModelHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Height = table.Column<int>(type: "INTEGER", nullable: false),
                    Width = table.Column<int>(type: "INTEGER", nullable: false),
                    NumFrames = table.Column<int>(type: "INTEGER", nullable: false),
                    NumInferenceSteps = table.Column<int>(type: "INTEGER", nullable: false),
                    MinGuidanceScale = table.Column<float>(type: "REAL", nullable: false),
                    MaxGuidanceScale = table.Column<float>(type: "REAL", nullable: false),
                    Fps = table.Column<int>(type: "INTEGER", nullable: false),
                    MotionBucketId = table.Column<int>(type: "INTEGER", nullable: false),
                    NoiseAugStrength = table.Column<float>(type: "REAL", nullable: false),
                    DecodeChunkSize = table.Column<int>(type: "INTEGER", nullable: false),
                    NumVideosPerPrompt = table.Column<int>(type: "INTEGER", nullable: false),
                    Seed = table.Column<long>(type: "INTEGER", nullable: false),
                    Fit = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    HalfRandn = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    MediaFolder = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    InputFileName = table.Column<string>(type: "TEXT", maxLength: 260, nullable: false),
                    InputFile = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    InputSha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    InputWidth = table.Column<int>(type: "INTEGER", nullable: false),
                    InputHeight = table.Column<int>(type: "INTEGER", nullable: false),
                    Provider = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    DurationSeconds = table.Column<double>(type: "REAL", nullable: true),
                    SecondsPerStep = table.Column<double>(type: "REAL", nullable: true),
                    VideoCount = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Generations", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Generations_CreatedUtc",
                table: "Generations",
                column: "CreatedUtc");

            migrationBuilder.CreateIndex(
                name: "IX_Generations_ModelName",
                table: "Generations",
                column: "ModelName");

            migrationBuilder.CreateIndex(
                name: "IX_Generations_Status_CreatedUtc",
                table: "Generations",
                columns: new[] { "Status", "CreatedUtc" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Generations");
        }
    }
}
