using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SvdWeb.Gallery.Migrations
{
    /// <inheritdoc />
    public partial class PackLicenses : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "PackLicenseAcceptances",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    PackName = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    LicenseFile = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    LicenseSha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    PackHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    AcceptedById = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    AcceptedByName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    AcceptedUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PackLicenseAcceptances", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SiteSettings",
                columns: table => new
                {
                    Key = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Value = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    UpdatedByName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    UpdatedUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SiteSettings", x => x.Key);
                });

            migrationBuilder.CreateIndex(
                name: "IX_PackLicenseAcceptances_PackName_LicenseSha256",
                table: "PackLicenseAcceptances",
                columns: new[] { "PackName", "LicenseSha256" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "PackLicenseAcceptances");

            migrationBuilder.DropTable(
                name: "SiteSettings");
        }
    }
}
